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
PY=.venv/bin/python
PORT=${LOCALSTACK_PORT:-4566}
STAGE=${DEPLOYED_STAGE:-prod}
BUCKET=geocritters-artifacts-local
launcher() { "$PY" -m localstack.launcher "$@"; }

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

launcher install
launcher start --port "$PORT" --lambda-executor host --function-env "GEOCRITTERS_CLOCK_FILE=$CLOCK_FILE" \
  --services cloudformation,dynamodb,secretsmanager,sts,iam,s3,lambda,apigateway,logs,sqs,events

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
.venv/bin/aws s3 mb "s3://$BUCKET" >/dev/null
started=$(date +%s)
# The upload progress of `cloudformation package` is one carriage-returned line per chunk.
make --no-print-directory deploy STAGE="$STAGE" BUCKET="$BUCKET" | tr '\r' '\n' | grep -v '^Uploading to' 
echo "deployed geocritters-$STAGE in $(( $(date +%s) - started )) s"
API=$(.venv/bin/aws cloudformation describe-stacks --stack-name "geocritters-$STAGE" \
  --query "Stacks[0].Outputs[?OutputKey=='RestAPIId'].OutputValue" --output text)
# Latency per call while every function is still cold, then warm (figures, no assertion).
"$PY" -m bench.deployed "$AWS_ENDPOINT_URL/restapis/$API/api/_user_request_" --warm 10

LOCALSTACK_URL="$AWS_ENDPOINT_URL" DEPLOYED_STAGE="$STAGE" DEPLOYED_CLOCK_FILE="$CLOCK_FILE" \
  "$PY" -m pytest tests/api tests/deployed --backend=deployed -p no:logging -rs "$@"
