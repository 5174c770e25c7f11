# Sourced by deployed-tier.sh (make test-deployed) and run-deployed.sh (make run
# BACKEND=deployed): LocalStack host mode running the functions as host processes, and
# the packaged template deployed into it with `make deploy` (the README's commands).
PY=.venv/bin/python
PORT=${LOCALSTACK_PORT:-4566}
STAGE=${DEPLOYED_STAGE:-prod}
BUCKET=geocritters-artifacts-local
DEPLOYED_SERVICES=cloudformation,dynamodb,secretsmanager,sts,iam,s3,lambda,apigateway,logs,sqs,events,cloudwatch,sns
launcher() { "$PY" -m localstack.launcher "$@"; }

# start_localstack [launcher start options...]: install, start with the host executor,
# and point the AWS CLI (and boto3) at it with LocalStack's test account.
start_localstack() {
  launcher install
  launcher start --port "$PORT" --lambda-executor host --services "$DEPLOYED_SERVICES" "$@"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test \
    AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

# deploy_stack: `make deploy` into it; sets API_URL (LocalStack's path-style address of
# the API's stage: the host-style one needs DNS).
deploy_stack() {
  local started api
  started=$(date +%s)
  # A running instance (make run BACKEND=deployed again) already has the bucket.
  .venv/bin/aws s3 mb "s3://$BUCKET" >/dev/null 2>&1 || true
  # The upload progress of `cloudformation package` is one carriage-returned line per chunk.
  make --no-print-directory deploy STAGE="$STAGE" BUCKET="$BUCKET" | tr '\r' '\n' | grep -v '^Uploading to'
  echo "deployed geocritters-$STAGE in $(( $(date +%s) - started )) s"
  api=$(.venv/bin/aws cloudformation describe-stacks --stack-name "geocritters-$STAGE" \
    --query "Stacks[0].Outputs[?OutputKey=='RestAPIId'].OutputValue" --output text)
  API_URL="$AWS_ENDPOINT_URL/restapis/$api/api/_user_request_"
}
