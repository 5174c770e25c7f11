#!/usr/bin/env bash
# make run BACKEND=localstack: the dev server on LocalStack instead of moto.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${LOCALSTACK_PORT:-4566}
launcher() { "$PY" -m localstack.launcher "$@"; }
trap 'launcher stop >&2 || true' EXIT
launcher install
launcher start --port "$PORT"
eval "$(launcher deploy --stage dev)"
"$PY" -m devtools.run_local --aws-url "http://127.0.0.1:$PORT"
