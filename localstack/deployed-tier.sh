#!/usr/bin/env bash
# make test-deployed: the deployed form, offline. LocalStack host mode runs the packaged
# template's functions as host processes (localstack/host_lambda: the executor and the
# Lambda authorizer hook); the stack is deployed with the README's own commands (`make
# deploy`: make package + aws cloudformation package/deploy, pointed at LocalStack by
# AWS_ENDPOINT_URL), then the tests/api suite runs over HTTP through LocalStack's API
# Gateway -> authorizer -> per-feature functions -> DynamoDB Local (--backend=deployed).
# Always stops LocalStack (log tail on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
source localstack/deployed-lib.sh

# One fake game clock shared by the tests and the functions (tests/support/deployed.py):
# the functions get its path through the host executor, never through the template.
CLOCK_DIR=$(mktemp -d)
CLOCK_FILE="$CLOCK_DIR/game-clock-ms"
date +%s%3N > "$CLOCK_FILE"

finish() {
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "--- LocalStack log (tail) ---" >&2
    launcher logs --tail 80 >&2 || true
  fi
  launcher stop >&2 || true
  rm -rf "$CLOCK_DIR"
  exit "$rc"
}
trap finish EXIT

start_localstack --function-env "GEOCRITTERS_CLOCK_FILE=$CLOCK_FILE"
deploy_stack
# Latency per call while every function is still cold, then warm (figures, no assertion).
"$PY" -m bench.deployed "$API_URL" --warm 10

LOCALSTACK_URL="$AWS_ENDPOINT_URL" DEPLOYED_STAGE="$STAGE" DEPLOYED_CLOCK_FILE="$CLOCK_FILE" \
  "$PY" -m pytest tests/api tests/deployed --backend=deployed -p no:logging -rs "$@"
