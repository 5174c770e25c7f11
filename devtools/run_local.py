"""``make run``: the whole backend on one machine, nothing to install but Python.

Starts moto's server as the embedded AWS (DynamoDB + Secrets Manager), creates the
tables and the game secret from infra/template.json, and serves every feature with
``chalice local`` on 127.0.0.1:8000.
"""
import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BANNER = """
Geocritters is running at {url}   (embedded AWS: moto server at {aws})

Play a scripted session (logs in, reads the map, catches, spins, lists the catch):
    .venv/bin/python -m devtools.play --url {url}

Or by hand:
    TOKEN=$(curl -s -X POST {url}/v1/auth/guest -H 'Content-Type: application/json' \\
        -d '{{"device_id": "my-device-0001"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    curl -s "{url}/v1/map?lat=40.758&lng=-73.9855" -H "Authorization: Bearer $TOKEN"

Stop with Ctrl-C.
"""


def start_embedded_aws(host: str, port: int) -> str:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call is noise
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return f"http://{host}:{port}"


def config_overrides(pairs) -> dict:
    """NAME=VALUE pairs as numbers (checked again, by name and type, when the game starts)."""
    overrides = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            overrides[name.strip()] = json.loads(value)
        except ValueError:
            raise SystemExit(f"--config {pair}: the value must be a number") from None
    return overrides


def configure_environment(aws_url: str) -> None:
    # Fake credentials: the embedded AWS accepts anything, and nothing reaches a real account.
    os.environ.update({
        "AWS_ENDPOINT_URL": aws_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    })
    os.environ.pop("AWS_PROFILE", None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", "4510")))
    parser.add_argument("--aws-url", help="use this AWS endpoint instead of starting moto")
    parser.add_argument("--config", action="append", default=[], metavar="NAME=VALUE",
                        help="change a game number for this server (game/config.py), e.g. "
                             "raid_lobby_countdown_ms=5000; repeatable")
    args = parser.parse_args(argv)
    if args.config:
        os.environ["GAME_CONFIG_OVERRIDES"] = json.dumps(config_overrides(args.config))

    aws_url = args.aws_url or start_embedded_aws(args.host, args.aws_port)
    configure_environment(aws_url)

    sys.path.insert(0, str(ROOT))
    from infra.provision import provision

    # The same names .chalice/config.json gives the dev stage.
    os.environ.update(provision("dev"))

    from chalice.cli.factory import CLIFactory

    from devtools.local_gateway import install

    install()
    factory = CLIFactory(project_dir=str(ROOT))
    config = factory.create_config_obj(chalice_stage_name="dev")
    app = factory.load_chalice_app(config.environment_variables)
    server = factory.create_local_server(app, config, args.host, args.port)
    print(BANNER.format(url=f"http://{args.host}:{args.port}", aws=aws_url), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
