"""``make fuzz``: schemathesis against the running app, generated from docs/openapi.json.

    .venv/bin/python -m fuzz.run                    # 150 examples per operation
    FUZZ_EXAMPLES=1000 .venv/bin/python -m fuzz.run  # or --examples 1000
    .venv/bin/python -m fuzz.run --seed 7 --report-dir build/fuzz-7

What runs
---------
The backend is served the way ``make run`` serves it, on free ports, inside this
process: moto's server as the embedded AWS (tables and game secret provisioned from
infra/template.json) and Chalice's local server with our local gateway (the authorizer
and the JSON gateway responses of the deployed API). Chalice's HTTP handler answers
methods it has no ``do_<METHOD>`` for (TRACE…) with Python's own 501 HTML page before
the gateway sees them; API Gateway routes every method, so the handler here passes
every method to the gateway (which answers an unknown method with its JSON 404). Both
servers send each response in one write with TCP_NODELAY (http.server and werkzeug
write headers and body separately, and each keep-alive response then waited ~40 ms
for a delayed ACK: 4x slower).

Schemathesis (pinned in requirements-fuzz.txt) runs as a subprocess with
fuzz/schemathesis.toml: every check (``--checks all``: no server errors, status codes,
content types, headers and bodies conform to the document, schema-violating requests
refused, schema-valid requests not refused as bad input, auth enforced, undeclared
methods refused…) but ``unsupported_method`` (see fuzz/schemathesis.toml), every phase
(examples, coverage, fuzzing, stateful), positive and negative data (``--mode all``), a
fixed seed, one worker (moto is not thread-safe), generation continuing after a failure,
and a guest login as the bearer token of every secured operation.

Before the run, the fuzzing player is given real objects (``seed_game``): a spot with a
spawn and a stop in reach, an open encounter, 40 creatures with the candy, stardust and
XP to evolve and power them up, a real cursor, the gyms near the spot and raids at them,
and a social life (``seed_social``): a friend who sent a gift, friend requests both ways,
a trade each way with that friend, and another trainer's code.
They go into schemathesis dictionaries bound to the matching parameters (``BINDINGS``),
so a share of the generated requests hit objects that exist and reach the game rules
instead of stopping at a 404; the rest stay generated (valid or not). ``--no-seed`` turns this off.

Afterwards the NDJSON event log is read back and the figures are printed: operations,
test cases generated (per operation), responses by status class, failures (each with
its request and response). Bugs it found, since fixed and pinned by tests in
tests/security/test_input_abuse.py: a non-ASCII cursor (500), an empty cursor (200), map
coordinates with more than 17 decimals (400).

Exit status: 0 when the run is clean, 1 on failures or schemathesis errors, 2 when
schemathesis isn't installed (``make fuzz`` installs it).
"""
from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "docs" / "openapi.json"
CONFIG = Path(__file__).with_name("schemathesis.toml")
# The CI size: 150 per operation keeps `make test` under its budget as operations are
# added (50 operations ~ 3.5 min here); FUZZ_EXAMPLES=1000 for a long run.
DEFAULT_EXAMPLES = 150
DEFAULT_SEED = 20261124
DEFAULT_REPORT_DIR = ROOT / "build" / "fuzz"


# --- the server ----------------------------------------------------------------------

def start_embedded_aws(host: str, port: int):
    """moto's server (what devtools.run_local starts with ThreadedMotoServer), with
    TCP_NODELAY: werkzeug writes headers and body separately, and every SDK call would
    wait out a delayed ACK."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class Handler(MotoRequestHandler):
        disable_nagle_algorithm = True

        def log_request(self, *args, **kwargs):  # one line per AWS call is noise
            pass

    server = make_server(host, port, DomainDispatcherApplication(create_backend_app), threaded=True,
                         request_handler=Handler)
    threading.Thread(target=server.serve_forever, name="moto-server", daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://{host}:{port}", stop


@dataclass
class Served:
    url: str
    aws_url: str
    stop: Callable[[], None]


def serve(host: str = "127.0.0.1", log_path: Path | None = None) -> Served:
    """moto server + chalice local (with our local gateway) on free ports, in threads of
    this process. Sets the AWS_* and table environment variables of this process."""
    sys.path.insert(0, str(ROOT))
    from devtools.run_local import configure_environment
    from tests.support.chalice_local import dev_stage_config, free_port, start_chalice_local

    aws_url, stop_aws = start_embedded_aws(host, free_port())
    configure_environment(aws_url)
    from infra.provision import provision

    os.environ.update(provision("dev"))

    from chalice import local
    from chalice.cli.factory import CLIFactory

    from devtools.local_gateway import install

    install()
    config = dev_stage_config(str(ROOT))
    app = CLIFactory(project_dir=str(ROOT)).load_chalice_app(config.environment_variables)
    # Open for the server's whole life (it runs until the process ends).
    log = open(log_path, "a", encoding="utf-8") if log_path else open(os.devnull, "w")  # noqa: SIM115
    for handler in logging.getLogger("geocritters.game").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(log)  # one JSON line per request: keep it out of the report

    class AnyMethodHandler(local.ChaliceRequestHandler):
        """Every method goes to the gateway, as in API Gateway (no 501 from http.server)."""

        # http.server writes the headers and the body separately; with Nagle's algorithm
        # and delayed ACKs each keep-alive response then waits ~40 ms. Buffer the whole
        # response (handle_one_request flushes it) and send it at once.
        wbufsize = -1
        disable_nagle_algorithm = True

        def __getattr__(self, name):
            if name.startswith("do_"):
                return self._generic_handle
            raise AttributeError(name)

        def log_message(self, format, *args):
            log.write(f"{self.address_string()} {format % args}\n")

    server = start_chalice_local(app, config, host, free_port(), handler_cls=AnyMethodHandler)

    def stop() -> None:
        server.stop()
        stop_aws()
        log.close()

    return Served(url=server.url, aws_url=aws_url, stop=stop)


# --- real objects for the generator to mix in --------------------------------------------

FUZZ_DEVICE = "fuzz-device-0001"  # the device fuzz/schemathesis.toml logs in with
HOME = (40.7580, -73.9855)


def _http_json(method: str, url: str, body=None, token: str | None = None):
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def seed_game(url: str, creatures: int = 40) -> dict[str, list]:
    """Give the fuzzing player things that exist, so generated requests also reach the
    game rules rather than stopping at 404: a spot with a spawn and a stop in reach, an
    open encounter, creatures (with candy, stardust and XP to evolve and power them up),
    a real cursor. Returns {dictionary name: values} for the generator to mix in."""
    from dataclasses import replace

    from geocritters import bootstrap
    from geocritters.game.entities import Creature
    from geocritters.game.species import roster
    from geocritters.game.stats import IVs
    from geocritters.usecases.ports import AddCreature, SavePlayer

    status, login = _http_json("POST", url + "/v1/auth/guest", {"device_id": FUZZ_DEVICE})
    assert status == 200, login
    player_id, token = login["player_id"], login["token"]
    ctx = bootstrap.game_context()
    now_ms = ctx.clock.now_ms()
    config = ctx.config
    spot = None
    for spawn in ctx.world.spawns_near(HOME[0], HOME[1], 1000, now_ms):
        if spawn.despawn_ms - now_ms < 20 * 60_000:
            continue  # it must outlive the run
        stops = [f for f in ctx.world.forts_near(spawn.lat, spawn.lng, config.fort_interact_radius_m * 0.9)
                 if f.kind == "stop"]
        if stops:
            spot = (spawn, stops[0])
            break
    values: dict[str, list] = {}
    if spot is not None:
        spawn, stop = spot
        values["lat"], values["lng"] = [spawn.lat], [spawn.lng]
        values["stop_ids"] = [stop.id]
        nearby = ctx.world.spawns_near(spawn.lat, spawn.lng, config.encounter_radius_m, now_ms)
        values["spawn_ids"] = [s.id for s in nearby]
        status, encounter = _http_json("POST", url + "/v1/encounters",
                                       {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng},
                                       token=token)
        if status == 201:
            values["encounter_ids"] = [encounter["encounter_id"]]
    evolvable = [kind for _, kind in sorted(roster().items()) if kind.evolves_to][:5]
    made = []
    for n in range(creatures):
        kind = evolvable[n % len(evolvable)]
        made.append(Creature(
            player_id=player_id, creature_id=f"cr-{now_ms - n:013d}-{n:010x}",
            species_id=kind.id, level=float(1 + n % 20), cp=100 + n, ivs=IVs(n % 16, 10, 5),
            caught_ms=now_ms - n, encounter_id=f"en-fuzz-{n}"))
    ctx.store.commit([AddCreature(c) for c in made[:20]])
    ctx.store.commit([AddCreature(c) for c in made[20:]])
    state = ctx.store.get_player(player_id)
    ctx.store.commit([SavePlayer(replace(
        state, xp=state.xp + 5_000_000, stardust=10_000_000,
        candy={**state.candy, **{kind.family: 100_000 for kind in evolvable}}))])
    values["creature_ids"] = [c.creature_id for c in made]
    values["gym_ids"], values["raid_ids"] = _gyms_and_raids(ctx, *(values.get("lat", [HOME[0]])
                                                                   + values.get("lng", [HOME[1]])))
    status, page = _http_json("GET", url + "/v1/me/creatures?limit=2", token=token)
    if status == 200 and page.get("next_cursor"):
        values["cursors"] = [page["next_cursor"]]
    here = (values["lat"][0], values["lng"][0]) if "lat" in values else HOME
    values.update(seed_social(url, token, made[-1].creature_id, here))
    return values


def seed_social(url: str, token: str, creature_id: str, spot: tuple[float, float]) -> dict[str, list]:
    """The fuzzing player's friends, requests, gift and trades (ids of every social kind
    that exist): a friend (level 10, like the fuzzing player) who sent a gift and is
    standing at ``spot`` with the player; a request from another trainer and one to
    another; a trade the player proposed to the friend (with ``creature_id``) and one the
    friend proposed to the player; a trainer's code nobody asked yet."""
    from dataclasses import replace

    from geocritters import bootstrap
    from geocritters.game.eggs import INFINITE_INCUBATOR, Egg
    from geocritters.game.entities import Creature
    from geocritters.game.levels import TRAINER_XP_THRESHOLDS
    from geocritters.game.stats import IVs
    from geocritters.usecases.ports import AddCreature, SavePlayer

    ctx = bootstrap.game_context()

    def login(device):
        status, body = _http_json("POST", url + "/v1/auth/guest", {"device_id": device})
        assert status == 200, body
        return body["player_id"], body["token"]

    def code_of(who_token):
        status, me = _http_json("GET", url + "/v1/me", token=who_token)
        assert status == 200, me
        return me["trainer_code"]

    def act(path, body, who_token, key):
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            url + path, data=json.dumps(body or {}).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {who_token}",
                     "Idempotency-Key": f"fuzz-seed-{key}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"seeding {path}: {error.code} {error.read()!r}") from None
        return answer

    friend_id, friend = login("fuzz-friend-0001")
    _, asker = login("fuzz-asker-0001")
    _, asked = login("fuzz-asked-0001")
    _, stranger = login("fuzz-stranger-0001")
    state = ctx.store.get_player(friend_id)
    ctx.store.commit([SavePlayer(replace(state, xp=TRAINER_XP_THRESHOLDS[9], stardust=1_000_000, gifts=1))])
    now_ms = ctx.clock.now_ms()
    theirs = Creature(player_id=friend_id, creature_id=f"cr-{now_ms:013d}-{0xf1:010x}", species_id=1,
                      level=10.0, cp=100, ivs=IVs(10, 10, 10), caught_ms=now_ms, encounter_id="en-fuzz-friend")
    ctx.store.commit([AddCreature(theirs)])

    sent = act("/v1/friend-requests", {"trainer_code": code_of(friend)}, token, "request-friend")
    act(f"/v1/friend-requests/{sent['request_id']}/accept", None, friend, "accept")
    incoming = act("/v1/friend-requests", {"trainer_code": code_of(token)}, asker, "request-in")
    outgoing = act("/v1/friend-requests", {"trainer_code": code_of(asked)}, token, "request-out")
    me = _http_json("GET", url + "/v1/me", token=token)[1]["player_id"]
    gift = act(f"/v1/me/friends/{me}/gifts", None, friend, "gift")
    for who in (token, friend):  # trades need both seen on the map in the last minute
        status, body = _http_json("GET", url + f"/v1/map?lat={spot[0]}&lng={spot[1]}", token=who)
        assert status == 200, body
    mine = act("/v1/trades", {"friend_id": friend_id, "creature_id": creature_id}, token, "trade-mine")
    offered_to_me = act("/v1/trades", {"friend_id": me, "creature_id": theirs.creature_id}, friend,
                        "trade-theirs")
    stranger_code = code_of(stranger)
    # Eggs: one waiting and one incubating, stored directly (a stop gives one by chance).
    eggs = {f"eg-{now_ms:013d}-{n:016x}": Egg(f"eg-{now_ms:013d}-{n:016x}", 2, 1, now_ms,
                                                INFINITE_INCUBATOR if n else None, 0.0) for n in (0, 1)}
    state = ctx.store.get_player(me)
    ctx.store.commit([SavePlayer(replace(state, eggs={**state.eggs, **eggs}))])
    return {
        "egg_ids": sorted(eggs),
        "friend_ids": [friend_id],
        "request_ids": [incoming["request_id"], outgoing["request_id"]],
        "gift_ids": [gift["gift_id"]],
        "trade_ids": [mine["trade_id"], offered_to_me["trade_id"]],
        "trainer_codes": [stranger_code, f"{stranger_code[:4]} {stranger_code[4:8]} {stranger_code[8:]}"],
    }


def _gyms_and_raids(ctx, lat: float, lng: float) -> tuple[list[str], list[str]]:
    """Gyms near the spot (nearest first) and raids at them: the current window's when
    it has one, else the next ones (a raid id names its raid in any phase)."""
    from geocritters.game import geo
    from geocritters.game.raids import raid_in_window

    gyms = sorted((f for f in ctx.world.forts_near(lat, lng, 1000) if f.kind == "gym"),
                  key=lambda f: geo.haversine_m(lat, lng, f.lat, f.lng))[:5]
    window = ctx.clock.now_ms() // ctx.config.raid_window_ms
    raids = []
    for ahead in range(24):
        raids += [raid.raid_id for raid in (raid_in_window(ctx.keys.spawns, gym, window + ahead, ctx.config)
                                            for gym in gyms) if raid is not None]
        if len(raids) >= 3:
            break
    return [g.id for g in gyms], raids


# Which request values each dictionary feeds, and how often a generated value is
# replaced by a real one (the rest stay generated, valid or not).
BINDINGS = {
    "path.encounter_id": ("encounter_ids", 0.5),
    "path.creature_id": ("creature_ids", 0.5),
    "path.stop_id": ("stop_ids", 0.5),
    "path.gym_id": ("gym_ids", 0.5),
    "path.raid_id": ("raid_ids", 0.5),
    "path.friend_id": ("friend_ids", 0.5),
    "path.request_id": ("request_ids", 0.5),
    "path.gift_id": ("gift_ids", 0.5),
    "path.trade_id": ("trade_ids", 0.5),
    "path.egg_id": ("egg_ids", 0.5),
    "body.friend_id": ("friend_ids", 0.5),
    "body.trainer_code": ("trainer_codes", 0.5),
    "body.spawn_id": ("spawn_ids", 0.5),
    "body.lat": ("lat", 0.7),
    "body.lng": ("lng", 0.7),
    "query.lat": ("lat", 0.5),
    "query.lng": ("lng", 0.5),
    "query.cursor": ("cursors", 0.3),
}


def run_config(values: dict[str, list], path: Path) -> Path:
    """fuzz/schemathesis.toml plus the seeded dictionaries and their bindings."""
    # TOML wants top-level tables before the [[operations]] array: insert them first.
    head, sep, tail = CONFIG.read_text().partition("\n[[operations]]")
    generated = ["# --- generated by fuzz/run.py: real objects of this run ---"]
    for name, items in values.items():
        if items:
            generated.append(f"[dictionaries.{name}]\nvalues = {json.dumps(items)}\n")
    bindings = {key: (name, p) for key, (name, p) in BINDINGS.items() if values.get(name)}
    if bindings:
        generated.append("[parameters]")
        generated += [f'"{key}" = {{ dictionary = "{name}", probability = {p} }}'
                      for key, (name, p) in bindings.items()]
    path.write_text(head.rstrip() + "\n\n" + "\n".join(generated) + "\n" + sep + tail
                    + keyed_operations_entry())
    return path


def keyed_operations_entry(keyed: list[tuple[str, str]] | None = None) -> str:
    """The [[operations]] entry of the exactly-once actions, from the declarations.

    The key is per player, shared by all actions; the same key with another request is
    422 idempotency_key_reused (documented on each of these). The generator reuses short
    keys ("00000000") across operations, so 422 is expected."""
    from infra.functions import keyed_routes

    keyed = keyed_routes() if keyed is None else keyed
    names = "|".join(re.escape(f"{method} {path}") for method, path in keyed)
    return ("\n[[operations]]\n"
            f"include-name-regex = {json.dumps(f'^({names})$')}\n"
            'checks.positive_data_acceptance.expected-statuses = '
            '["2xx", "401", "403", "404", "409", "429", "422"]\n')


# --- reading the results back --------------------------------------------------------

@dataclass
class Failure:
    """One failed check on one request, from the NDJSON event log."""

    operation: str          # "GET /v1/map" (the operation the case was generated for)
    check: str              # "positive_data_acceptance"
    code: str               # "ST202"
    title: str
    message: str
    method: str
    url: str
    request_body: str | None
    status: int | None
    response_body: str | None
    phase: str

    def describe(self) -> str:
        body = f" body={self.request_body!r}" if self.request_body else ""
        return (f"{self.code} {self.check} [{self.phase}] {self.method} {self.url}{body}\n"
                f"      -> {self.status} {self.response_body!r}\n"
                f"      {self.message.splitlines()[0] if self.message else self.title}")


def _decode(content) -> str | None:
    if content is None:
        return None
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    if isinstance(content, dict) and "string" in content:
        return content["string"]
    return content if isinstance(content, str) else json.dumps(content)


@dataclass
class Figures:
    requests: int = 0
    cases_by_operation: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)  # "2xx" -> count


def read_events(ndjson_path: Path) -> tuple[list[Failure], Figures]:
    """(failures, figures) from schemathesis's NDJSON event log."""
    failures: list[Failure] = []
    figures = Figures()
    seen: set[tuple] = set()
    with open(ndjson_path, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished.get("recorder") or {}
            interactions = recorder.get("interactions") or {}
            figures.requests += len(interactions)
            for case in (recorder.get("cases") or {}).values():
                value = case.get("value") or {}
                label = f"{value.get('method', '?')} {value.get('path', '?')}"
                figures.cases_by_operation[label] = figures.cases_by_operation.get(label, 0) + 1
            for interaction in interactions.values():
                code = (interaction.get("response") or {}).get("status_code")
                bucket = f"{code // 100}xx" if isinstance(code, int) else "no response"
                figures.statuses[bucket] = figures.statuses.get(bucket, 0) + 1
            for case_id, checks in (recorder.get("checks") or {}).items():
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    info = (check.get("failure_info") or {}).get("failure") or {}
                    interaction = interactions.get(case_id) or {}
                    request = interaction.get("request") or {}
                    response = interaction.get("response") or {}
                    failure = Failure(
                        operation=info.get("operation") or recorder.get("label", "?"),
                        check=check.get("name", "?"),
                        code=info.get("code", "?"),
                        title=info.get("title", ""),
                        message=info.get("message", ""),
                        method=request.get("method", "?"),
                        url=request.get("uri", "?"),
                        request_body=_decode(request.get("body")),
                        status=response.get("status_code"),
                        response_body=_decode(response.get("content")),
                        phase=finished.get("phase", "?"),
                    )
                    key = (failure.check, failure.method, failure.url, failure.request_body,
                           failure.status)
                    if key not in seen:
                        seen.add(key)
                        failures.append(failure)
    return failures, figures


# --- the run ---------------------------------------------------------------------------

def schemathesis_available() -> bool:
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        return False
    return True


def schemathesis_command(url: str, examples: int, seed: int, report_dir: Path, config: Path,
                         extra: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", str(SPEC),
        "--url", url,
        # Every check but unsupported_method (see fuzz/schemathesis.toml for why).
        "--checks", "all", "--exclude-checks", "unsupported_method",
        # The operators' event routes (tag "events") take a SigV4 signature of the exact
        # request, which schemathesis can't compute per generated case: every case would be
        # the gateway's 403/404 and test nothing of the app. Their bad input is covered by
        # tests/api/test_events_admin.py and test_events_contract_session.py, signed.
        "--exclude-tag", "events",
        "--mode", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--seed", str(seed),
        "--max-examples", str(examples),
        "--workers", "1",
        # Keep generating after a failure: every operation gets its examples, and every
        # distinct failure is reported, not only the first.
        "--continue-on-failure",
        "--request-timeout", "30",
        "--report", "json,ndjson,junit",
        "--report-json-path", str(report_dir / "report.json"),
        "--report-ndjson-path", str(report_dir / "events.ndjson"),
        "--report-junit-path", str(report_dir / "junit.xml"),
        *extra,
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int,
                        default=int(os.environ.get("FUZZ_EXAMPLES", DEFAULT_EXAMPLES)),
                        help="test cases per operation (env FUZZ_EXAMPLES; default %(default)s)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", DEFAULT_SEED)),
                        help="schemathesis/hypothesis seed (env FUZZ_SEED; default %(default)s)")
    parser.add_argument("--report-dir", type=Path,
                        default=Path(os.environ.get("FUZZ_REPORT_DIR", DEFAULT_REPORT_DIR)),
                        help="where report.json, events.ndjson, junit.xml and server.log go")
    parser.add_argument("--no-seed", action="store_true",
                        help="don't give the fuzzing player real objects (generated ids only)")
    parser.add_argument("--quiet", action="store_true", help="hide schemathesis's own output")
    parser.add_argument("extra", nargs="*", help="passed to `schemathesis run` after --")
    args = parser.parse_args(argv)

    if not schemathesis_available():
        print("schemathesis is not installed: pip install -r requirements-fuzz.txt "
              "(make fuzz does it)", file=sys.stderr)
        return 2
    report_dir = args.report_dir.resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    for name in ("report.json", "events.ndjson", "junit.xml", "server.log", "schemathesis.toml"):
        (report_dir / name).unlink(missing_ok=True)

    served = serve(log_path=report_dir / "server.log")
    started = time.monotonic()
    try:
        values = {} if args.no_seed else seed_game(served.url)
        config = run_config(values, report_dir / "schemathesis.toml")
        command = schemathesis_command(served.url, args.examples, args.seed, report_dir, config,
                                       args.extra)
        env = {**os.environ, "PYTHONHASHSEED": "0", "NO_COLOR": "1"}
        # The schemathesis process talks only to our server: no AWS settings needed.
        env = {k: v for k, v in env.items() if not k.startswith("AWS_")}
        print(f"fuzz: {served.url} (AWS: {served.aws_url}); seed {args.seed}, "
              f"{args.examples} examples per operation", flush=True)
        completed = subprocess.run(command, cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL if args.quiet else None)
    finally:
        served.stop()
    elapsed = time.monotonic() - started
    return report(report_dir, completed.returncode, elapsed, args.examples, args.seed)


def report(report_dir: Path, exit_code: int, elapsed: float, examples: int, seed: int) -> int:
    try:
        summary = json.loads((report_dir / "report.json").read_text())
    except (OSError, ValueError) as error:
        print(f"fuzz: no schemathesis report ({error}); schemathesis exited {exit_code}",
              file=sys.stderr)
        return 1
    failures, figures = read_events(report_dir / "events.ndjson")
    operations = summary.get("operations", {})
    cases = summary.get("test_cases", {})
    errors = summary.get("errors") or []

    print("\n=== fuzz figures " + "=" * 62)
    print(f"operations:      {operations.get('tested')} tested / {operations.get('total')} "
          f"in docs/openapi.json ({operations.get('errored', 0)} errored)")
    print(f"cases run:       {cases.get('generated')} generated ({examples} examples per "
          f"operation, seed {seed}); {figures.requests} requests recorded")
    print("responses:       " + ", ".join(f"{k} {v}" for k, v in sorted(figures.statuses.items())))
    documented = {f"{method.upper()} {path}" for path, item in json.loads(SPEC.read_text())["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    print("per operation:   cases in all phases")
    for label in sorted(documented, key=lambda op: (op.split()[1], op.split()[0])):
        print(f"  {figures.cases_by_operation.get(label, 0):6d}  {label}")
    others = sum(n for label, n in figures.cases_by_operation.items() if label not in documented)
    print(f"  {others:6d}  undeclared methods on documented paths (coverage phase)")
    print(f"failures:        {len(failures)} distinct failing requests; schemathesis: "
          f"{cases.get('unique_failures', 0)} unique failures in {cases.get('with_failures', 0)} cases")
    print(f"errors:          {len(errors)}")
    print("phases:          " + ", ".join(f"{name} {info.get('status')}"
                                          for name, info in summary.get("phases", {}).items()))
    print(f"time:            {elapsed:.0f} s; reports in {report_dir}")
    if failures:
        print(f"\nfailures ({len(failures)}):")
        for failure in failures[:50]:
            print(f"  - {failure.describe()}")
        if len(failures) > 50:
            print(f"  ... and {len(failures) - 50} more (see {report_dir / 'events.ndjson'})")
    for error in errors[:20]:
        print(f"  error: {json.dumps(error)[:500]}")

    clean = not failures and not errors
    if clean and exit_code != 0 and not failures:
        print(f"fuzz: schemathesis exited {exit_code} without a failure we could read", file=sys.stderr)
        clean = False
    print("\nfuzz: " + ("OK" if clean else "FAILED"))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
