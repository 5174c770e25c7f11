"""``make run``: the whole backend on one machine, nothing to install but Python.

Starts moto's server as the embedded AWS (DynamoDB + Secrets Manager), creates the
tables and the game secret from infra/template.json, and serves every feature with
``chalice local`` on 127.0.0.1:8000.

Functions fed by something other than HTTP: Chalice's local server knows only routes,
and nothing offline plays Lambda's event source mapping, so a background thread does:
devtools/stream_runner.py reads the players table's stream every
``BOARD_POLL_S`` seconds and hands it to the board aggregator with its declared knobs
(a session finds itself on its region's board within that time). The weekly close
(functions/board_scheduler.py) is not scheduled here; run it by hand with
``python -c "import functions.board_scheduler as s; print(s.close({}, None))"``.

``--clock-rate N`` runs the server's game clock N times faster than real time from the
moment it starts (adapters/clock.py ``AcceleratedClock``, installed as bootstrap's
clock): spawns, weather hours, cooldowns, rate-limit minutes, walking samples, token
issue and expiry times, board weeks all follow it, so a scripted session lives a game
hour in a real minute (devtools/play_world.py). Only this dev server has the flag; the
default (1) installs nothing and keeps the system clock. Two things stay on real time
because real time is what they measure: the stream runner's record age (DynamoDB stamps
stream records with the real time) and a request's remaining Lambda time. Retry-After headers count game seconds.
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

Play in the browser (the web map, web/public/): {url}/play/

Play a scripted session (logs in, reads the map, catches, spins, lists the catch):
    .venv/bin/python -m devtools.play --url {url}

Or by hand:
    TOKEN=$(curl -s -X POST {url}/v1/auth/guest -H 'Content-Type: application/json' \\
        -d '{{"device_id": "my-device-0001"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    curl -s "{url}/v1/map?lat=40.758&lng=-73.9855" -H "Authorization: Bearer $TOKEN"

{clock}Leaderboards: the players table's stream is applied every {poll:g} s (a background
stream runner plays Lambda's event source mapping), then:
    curl -s "{url}/v1/boards/dr5r?metric=caught" -H "Authorization: Bearer $TOKEN"

Stop with Ctrl-C.
"""
BOARD_POLL_S = 2.0
CLOCK_LINE = """The game clock runs {rate:g}x real time (--clock-rate): a game hour lasts {minutes:g} real minutes.

"""


def start_embedded_aws(host: str, port: int) -> str:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call is noise
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return f"http://{host}:{port}"


def start_board_runner(interval_s: float = BOARD_POLL_S):
    """The board aggregator fed by the players table's REAL stream (moto server's, or
    DynamoDB Local's), polled in a daemon thread."""
    import boto3

    import functions.board_aggregator as aggregator
    from devtools.stream_runner import StreamRunner

    knobs = aggregator.feature.stream
    dead_letters = []

    def dead_letter(message: dict) -> None:
        dead_letters.append(message)
        info = message["DDBStreamBatchInfo"]
        print(f"board aggregator gave up on {info['batchSize']} stream record(s) from "
              f"{info['startSequenceNumber']} ({message['requestContext']['condition']})",
              file=sys.stderr, flush=True)

    reported = []

    def on_error(error: Exception) -> None:
        if not reported:  # once: a backend without streams would repeat it every poll
            reported.append(error)
            print(f"board stream runner: {type(error).__name__}: {error}", file=sys.stderr,
                  flush=True)

    runner = StreamRunner(
        aggregator.aggregate, os.environ["PLAYERS_TABLE"], dynamodb=boto3.client("dynamodb"),
        streams=boto3.client("dynamodbstreams"), dead_letters=dead_letter,
        batch_size=knobs.batch_size, max_retries=knobs.max_retries,
        max_record_age_s=knobs.max_record_age_s, starting_position=knobs.starting_position)
    runner.start(interval_s, on_error=on_error)
    return runner


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


def clock_rate(text: str) -> float:
    """--clock-rate: a finite number above 0 (AcceleratedClock checks it again)."""
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < rate < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: the rate must be a finite number above 0")
    return rate


def install_game_clock(rate: float) -> None:
    """Game time runs ``rate`` times real time from now on, for everything this process
    serves (the routes, the authorizer, the board stream runner); 1 keeps the system clock."""
    if rate == 1:
        return
    from geocritters import bootstrap
    from geocritters.adapters.clock import AcceleratedClock

    bootstrap.reset(clock=AcceleratedClock(rate))


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
    parser.add_argument("--clock-rate", type=clock_rate, default=1.0, metavar="N",
                        help="run the game clock N times faster than real time from the "
                             "server's start (default 1: real time)")
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
    from devtools.web_static import serve_web

    install()
    install_game_clock(args.clock_rate)  # before anything reads the time
    runner = start_board_runner()
    factory = CLIFactory(project_dir=str(ROOT))
    config = factory.create_config_obj(chalice_stage_name="dev")
    app = factory.load_chalice_app(config.environment_variables)
    server = factory.create_local_server(app, config, args.host, args.port)
    serve_web(server)  # the web map on this origin; the deployed API has no such route
    clock = "" if args.clock_rate == 1 else CLOCK_LINE.format(
        rate=args.clock_rate, minutes=60 / args.clock_rate)
    print(BANNER.format(url=f"http://{args.host}:{args.port}", aws=aws_url, poll=BOARD_POLL_S,
                        clock=clock), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    runner.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
