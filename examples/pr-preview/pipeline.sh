#!/bin/sh
# The workflow's Pulumi steps as plain commands, for CI systems other than GitHub Actions.
#
#   pipeline.sh preview   a pull request: what would change (no Graph token needed: 0 requests)
#   pipeline.sh apply     main: apply it without a refresh (a change made in Teams stops it: 412),
#                         then check that nothing is left to do
#   pipeline.sh drift     on a schedule: has anything changed in Teams since the last deployment?
#                         Reads Graph, writes nothing, fails if it finds a change.
#
# PULUMI_STACK names the stack (org/virtualappointment-pipeline/prod); the backend, passphrase and
# Graph token come from the environment as in the workflow (README.md).
set -eu
stack="${PULUMI_STACK:?set PULUMI_STACK to the stack, e.g. org/virtualappointment-pipeline/prod}"
case "${1:-}" in
    preview)
        pulumi preview --diff --stack "$stack" --non-interactive ;;
    apply)
        pulumi up --yes --skip-preview --stack "$stack" --non-interactive
        pulumi preview --expect-no-changes --stack "$stack" --non-interactive ;;
    drift)
        pulumi refresh --preview-only --expect-no-changes --diff --stack "$stack" --non-interactive ;;
    *)
        echo "usage: pipeline.sh preview|apply|drift" >&2
        exit 2 ;;
esac
