#!/usr/bin/env bash
# make run BACKEND=deployed: the game served by its deployed form on LocalStack: the
# packaged template deployed with `make deploy` (the README's commands), its functions run
# as host processes (localstack/host_lambda), on 127.0.0.1:8000 through a plain forwarder
# to LocalStack's API Gateway (devtools/gateway_proxy.py). Stops LocalStack on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${LOCALSTACK_PORT:-4566}
STAGE=${DEPLOYED_STAGE:-prod}
BUCKET=geocritters-artifacts-local
launcher() { "$PY" -m localstack.launcher "$@"; }
trap 'launcher stop >&2 || true' EXIT

launcher install
launcher start --port "$PORT" --lambda-executor host \
  --services cloudformation,dynamodb,secretsmanager,sts,iam,s3,lambda,apigateway,logs,sqs,events
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
.venv/bin/aws s3 mb "s3://$BUCKET" >/dev/null 2>&1 || true
make --no-print-directory deploy STAGE="$STAGE" BUCKET="$BUCKET" | tr '\r' '\n' | grep -v '^Uploading to'
API=$(.venv/bin/aws cloudformation describe-stacks --stack-name "geocritters-$STAGE" \
  --query "Stacks[0].Outputs[?OutputKey=='RestAPIId'].OutputValue" --output text)
"$PY" -m devtools.gateway_proxy "$AWS_ENDPOINT_URL/restapis/$API/api/_user_request_" --port "${RUN_PORT:-8000}"
