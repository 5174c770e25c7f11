#!/usr/bin/env bash
# make test-localstack: the security tests and the API's race tests over real HTTP
# (chalice local) on LocalStack, whose DynamoDB is Amazon's DynamoDB Local (which enforces
# DynamoDB's own limits, unlike moto), and the store's contract suite
# (tests/contract) on DynamoDB Local too; tests marked backend_independent (identity,
# tokens, keys: nothing a storage backend changes) ran on moto and are left out here.
# tests/security goes first: its table snapshots scan every table, which grow over the run.
# Installs and starts
# LocalStack host mode (no Docker), deploys infra/template.json through its
# CloudFormation, runs pytest, and always stops LocalStack (log tail on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${LOCALSTACK_PORT:-4566}
launcher() { "$PY" -m localstack.launcher "$@"; }

finish() {
  rc=$?
  "$PY" -m tests.localstack.lambda_stub remove >/dev/null 2>&1 || true
  if [ "$rc" -ne 0 ]; then
    echo "--- LocalStack log (tail) ---" >&2
    launcher logs --tail 80 >&2 || true
  fi
  launcher stop >&2 || true
  exit "$rc"
}
trap finish EXIT

launcher install
# Lambda, API Gateway, Logs, SQS, EventBridge, CloudWatch and SNS too, for the packaged template
# (tests/localstack: the stream consumer's dead-letter queue, the weekly rule, the alarms); the
# stand-in lets LocalStack create functions without Docker (they can't run).
eval "$("$PY" -m tests.localstack.lambda_stub install)"
launcher start --port "$PORT" \
  --services cloudformation,dynamodb,secretsmanager,sts,iam,s3,lambda,apigateway,logs,sqs,events,cloudwatch,sns
eval "$(launcher deploy --stage dev)"
# tests/api runs here for its races only: the rest of it runs on the deployed form on
# DynamoDB Local (make test-deployed) and in-process on moto.
LOCALSTACK_URL="http://127.0.0.1:$PORT" "$PY" -m pytest tests/security tests/api/test_*races.py tests/localstack tests/contract \
  --backend=localstack -m "not backend_independent" "$@"
