#!/usr/bin/env bash
# LocalStack init hook (stage READY, see ../../docker-compose.yml): deploy
# infra/template.json through LocalStack's CloudFormation as stack geocritters-<stage>,
# then print `export` lines for the app (also visible in `docker compose logs`).
#
# The same steps as `python -m localstack.launcher deploy`:
# - the template is deployed unmodified (LocalStack accepts every property in it);
# - PointInTimeRecoverySpecification is accepted but silently dropped by LocalStack's
#   AWS::DynamoDB::Table handler, so it is applied with UpdateContinuousBackups after.
#
# Runs in the LocalStack container (awslocal, python3) or anywhere with the aws CLI and
# python3: GEOCRITTERS_TEMPLATE=infra/template.json AWS_ENDPOINT_URL=http://127.0.0.1:4566 \
#   localstack/init/ready.d/deploy.sh
set -euo pipefail

STAGE="${GEOCRITTERS_STAGE:-dev}"
STACK="geocritters-${STAGE}"
TEMPLATE="${GEOCRITTERS_TEMPLATE:-/opt/geocritters/infra/template.json}"
TIMEOUT="${GEOCRITTERS_DEPLOY_TIMEOUT:-120}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test  # account 000000000000
unset AWS_SESSION_TOKEN AWS_PROFILE

if command -v awslocal >/dev/null 2>&1; then
  AWS=(awslocal)
else
  AWS=(aws --endpoint-url "${AWS_ENDPOINT_URL:-http://localhost:4566}")
fi

log() { echo "geocritters deploy: $*" >&2; }

stack_status() {
  "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK" \
    --query 'Stacks[0].StackStatus' --output text 2>/dev/null || echo NONE
}

# LocalStack ignores the Stage parameter's AllowedPattern; CloudFormation would not.
python3 - "$TEMPLATE" "$STAGE" <<'PY'
import json, re, sys
pattern = json.load(open(sys.argv[1]))["Parameters"]["Stage"].get("AllowedPattern")
if pattern and not re.fullmatch(pattern, sys.argv[2]):
    sys.exit(f"geocritters deploy: stage {sys.argv[2]!r} does not match AllowedPattern {pattern}")
PY

start=$SECONDS
status="$(stack_status)"
case "$status" in
  NONE | DELETE_COMPLETE)
    log "creating stack $STACK from $TEMPLATE"
    "${AWS[@]}" cloudformation create-stack --stack-name "$STACK" \
      --template-body "file://$TEMPLATE" \
      --parameters "ParameterKey=Stage,ParameterValue=$STAGE" >/dev/null
    ;;
  *_COMPLETE)
    log "updating stack $STACK ($status)"
    if ! out="$("${AWS[@]}" cloudformation update-stack --stack-name "$STACK" \
        --template-body "file://$TEMPLATE" \
        --parameters "ParameterKey=Stage,ParameterValue=$STAGE" 2>&1)"; then
      if [[ "$out" != *"No updates are to be performed"* ]]; then
        echo "$out" >&2
        exit 1
      fi
      log "no changes"
    fi
    ;;
  *)
    log "stack $STACK is in $status; delete it first"
    exit 1
    ;;
esac

# Poll (the CLI's `wait stack-create-complete` sleeps 30 s between polls).
while :; do
  status="$(stack_status)"
  case "$status" in
    *_IN_PROGRESS) ;;
    CREATE_COMPLETE | UPDATE_COMPLETE) break ;;
    *)
      log "stack $STACK ended in $status; events:"
      "${AWS[@]}" cloudformation describe-stack-events --stack-name "$STACK" \
        --query 'StackEvents[].[LogicalResourceId,ResourceType,ResourceStatus,ResourceStatusReason]' \
        --output text >&2 || true
      exit 1
      ;;
  esac
  if ((SECONDS - start > TIMEOUT)); then
    log "stack $STACK still $status after ${TIMEOUT} s"
    exit 1
  fi
  sleep 1
done

# Tables whose template enables point-in-time recovery (LocalStack drops the property).
pitr_tables="$(python3 - "$TEMPLATE" "$STAGE" <<'PY'
import json, sys
template, stage = json.load(open(sys.argv[1])), sys.argv[2]
for resource in template["Resources"].values():
    props = resource.get("Properties", {})
    if resource["Type"] == "AWS::DynamoDB::Table" and props.get(
            "PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        print(props["TableName"]["Fn::Sub"].replace("${Stage}", stage))
PY
)"
for table in $pitr_tables; do
  "${AWS[@]}" dynamodb update-continuous-backups --table-name "$table" \
    --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true >/dev/null
done

log "stack $STACK $status in $((SECONDS - start)) s"
# Output name -> variable, as infra/__init__.py names them: <Short>TableName ->
# <SHORT>_TABLE, GameSecretArn -> GAME_SECRET_ID.
"${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text |
  while read -r key value; do
    case "$key" in
      *TableName) name="$(echo "${key%TableName}" | tr '[:lower:]' '[:upper:]')_TABLE" ;;
      GameSecretArn) name=GAME_SECRET_ID ;;
      *) name="$key" ;;
    esac
    echo "export $name=$value"
  done
