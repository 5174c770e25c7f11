#!/usr/bin/env bash
# make run BACKEND=deployed: the game served by its deployed form on LocalStack: the
# packaged template deployed with `make deploy` (the README's commands), its functions run
# as host processes (localstack/host_lambda), on 127.0.0.1:8000 through a plain forwarder
# to LocalStack's API Gateway (devtools/gateway_proxy.py). Stops LocalStack on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source localstack/deployed-lib.sh
trap 'launcher stop >&2 || true' EXIT

start_localstack
deploy_stack
"$PY" -m devtools.gateway_proxy "$API_URL" --port "${RUN_PORT:-8000}"
