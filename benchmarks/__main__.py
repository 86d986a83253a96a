"""``python -m benchmarks [--quick | --smoke] [--sections abcdef]``: print the benchmark tables (markdown).

Figures, not pass/fail; but a section that cannot give its figures (an error, a failed baseline, a
missing row) fails the run (exit 1). Sections: a) Graph requests per operation, this provider vs a
full-body strategy, for VirtualAppointment and OnlineMeeting (with and without meeting ETags);
b) PATCH bytes for a change; c) provider overhead per Diff and Update through the SDK's provider
host; d) declaring 1,000 and 10,000 resources; e) updates at 50 ms Graph latency at the host's
concurrency; f) the real engine through the pulumi CLI (unchanged previews of 100 and 1,000
meetings, a first up of 200 meetings with appointments at 50 ms, the provider host's memory), left
out where the CLI is not on PATH. ``--smoke`` runs every section at tiny sizes in seconds (the test suite runs it). See
benchmarks/README.md.
"""

import sys

from .run import main

if __name__ == "__main__":
    sys.exit(main())
