"""Benchmarks of pulumi-virtualappointment: ``python -m benchmarks`` prints the tables.

Not part of the installed package; run from the repository root. See ``benchmarks/README.md``.
"""
