"""Guards on the benchmark's DETERMINISTIC figures, so they can't regress silently.

Timed figures (CPU, latency, import ms) live in ``make bench`` only; these are counts:
DynamoDB calls per request (cold and warm container), read/write units per request
(DynamoDB's rounding rules applied to the item sizes actually read and written:
bench.capacity.SizeModel), and the number of modules a deployed function imports.

The requests are the benchmark's own scenarios (bench.game: an API Gateway event into
``app.app``), here on moto in-process: moto is fine for counting calls and sizing
items, never for timing. A budget is a ceiling: doing better passes; lower the budget
in the same change that earns it.
"""
import contextlib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from botocore import handlers
from moto import mock_aws

from bench import hooks  # registers the call-recording hooks first
from bench.capacity import SizeModel, item_size, read_units, write_units
from bench.game import SCENARIOS, SECRET, STAGE, Harness
from infra.provision import provision

PROJECT_DIR = Path(__file__).resolve().parents[2]

# scenario: (DynamoDB calls cold, calls warm, RRU warm, WRU warm) — measured 2026-11-24;
# the mutating actions re-measured 2026-12-01 after their reads became one BatchGetItem;
# the map and the gym routes measured 2026-12-02 (the map now also shows gym states).
# Cold = after geocritters.bootstrap.reset(); the Secrets Manager read of a cold
# container is not a DynamoDB call (round trips below include it).
# 2026-12-02, live events: every function that applies them reads them through its
# container's 60 s cache (usecases/events.py): a cold container's first request makes
# one Query of the events table more (and a warm one once a minute); warm, nothing more.
# The map's Query overlaps its position update (test_the_maps_reads_overlap_... below).
# Those scenarios' cold budgets are + 1: map (all four), encounter, catch, spin,
# raids.join, gifts, gifts.open, eggs, eggs.hatch.
BUDGETS = {
    # A new device: one transaction, the player and its trainer code's item (the code is
    # unique: its item is put only if absent), x2 WRU (2026-12-02, with friends).
    "auth": (1, 1, 0, 4),
    "player": (1, 1, 1, 0),  # GetItem, strongly consistent
    "player.team": (2, 2, 1, 1),
    # Cold: UpdateItem + BatchGetItem of curated cells in flight together, then the curated
    # gyms' states (BatchGetItem, eventually consistent: known only once their cell is
    # read). Warm, gym states < 5 s old: UpdateItem alone.
    "map": (4, 1, 0, 1),
    "map.new_minute": (5, 2, 0, 2),  # the minute's first map: a failed conditional update first
    # The walking fold due (about once per 7 minutes of walking): the minute's first map
    # + the fold's conditional UpdateItem (usecases/map.py).
    "map.fold": (6, 3, 0, 3),
    # Warm, gym states >= 5 s old: UpdateItem, then the curated gyms' BatchGetItem. Around
    # HOME every gym within 300 m is curated, so the read starts only after the update
    # (usecases/map.py starts the board read with the generated gyms alone): 2 round trips.
    "map.gyms_stale": (4, 2, 0.5, 1),
    "encounter": (3, 2, 1, 1),
    # One BatchGetItem (player, encounter, idempotency record) + one transaction (x2 WRU);
    # 8 WRU when caught, 6 otherwise.
    "catch": (3, 2, 3, 8),
    "spin": (3, 2, 3, 6),  # BatchGetItem: player, visit, idempotency record
    "items": (1, 1, 1, 0),
    "creatures": (1, 1, 0.5, 0),  # one Query of 21 small items, eventually consistent
    "creatures.transfer": (2, 2, 3, 6),  # BatchGetItem: player, creature, idempotency record
    "creatures.evolve": (2, 2, 3, 6),
    "creatures.power_up": (2, 2, 3, 6),
    # Gyms. A mutating gym action: one strongly consistent BatchGetItem of all it reads +
    # one TransactWriteItems (x2 WRU), the gym item a whole-item Put on its revision.
    "gyms": (2, 2, 2, 0),  # view: GetItem player + GetItem gym, strongly consistent
    "gyms.deploy": (2, 2, 4, 8),  # reads player, creature, gym, record; writes the same 4
    "gyms.feed": (2, 2, 3, 6),  # player, gym, record (a gym of one defender)
    "gyms.spin": (2, 2, 2, 4),  # player, record: the gym item is not touched
    "gyms.defenders": (2, 2, 2, 0),  # GetItem player + Query of the inbox
    # BatchGetItem (player, record) + Query of the inbox + transaction: player, the return
    # deleted, the creature released, the record (one return here).
    "gyms.claim": (3, 3, 3, 8),
    # Six attackers against a full gym (six defenders, ~1.2 KB: 2 WCU): reads player, gym,
    # 6 creatures, record = 9 RRU; writes gym (2), player, record, the one defender that
    # left into its owner's inbox, x2 = 10 WRU. The attackers' 6 ConditionChecks are not in
    # the size model (bench.capacity); DynamoDB Local's figure in `make bench` shows them.
    "battles": (2, 2, 9, 10),
    # Raids. The view: GetItem of the player (no lobby joined: nothing more).
    "raids": (1, 1, 1, 0),
    # BatchGetItem (player, record, 3 attackers) + Query of the raid's lobby headers +
    # transaction: player, lobby header (count), member item, record (+3 ConditionChecks
    # on the attackers, outside the size model).
    "raids.join": (4, 3, 6, 8),
    # BatchGetItem (player, record, the gym: its team decides the bonus) + GetItem header +
    # Query members + transaction: player, boss encounter, record.
    "raids.claim": (4, 4, 5, 6),
    # Friends, gifts, trades, measured 2026-12-02. A mutating action reads, in one strongly
    # consistent BatchGetItem: both players, the record, and the pair: both friendship
    # sides, both friend counts, both request items, the acting player's gift in the
    # friend's inbox (10 items; a trade adds its creatures and the trade item), then one
    # transaction (x2 WRU).
    "friends": (2, 2, 2, 0),  # GetItem player + Query of the friends partition
    "friends.requests": (2, 2, 2, 0),  # the same two reads
    # GetItem of the trainer code (who it names) + the read + transaction: player, the
    # request's two items (sender's and receiver's partitions), record.
    "friends.send": (3, 3, 11, 8),
    # player, both request items deleted, both friendship sides, both counts, record.
    "friends.accept": (2, 2, 10, 16),
    "friends.decline": (2, 2, 10, 8),  # player, both request items, record
    "friends.cancel": (2, 2, 10, 8),
    "friends.remove": (2, 2, 10, 12),  # player, both sides, both counts, record
    "gifts": (3, 2, 2, 0),  # GetItem player + Query of the inbox's gifts
    "gifts.send": (2, 2, 10, 10),  # player, the gift, both friendship sides, record
    "gifts.open": (3, 2, 11, 10),  # + the gift read; player, gift deleted, both sides, record
    # GetItem player + Query of the player's trade links + BatchGetItem of the trades.
    "trades": (3, 3, 3, 0),
    "trades.view": (1, 1, 1, 0),  # GetItem of the trade
    # The read (+ the creature) + transaction: player, trade, both players' links, record.
    "trades.propose": (2, 2, 11, 10),
    # GetItem of the trade (its parties and creatures: what to read) + the read (+ both
    # creatures, the trade) + transaction: player, trade, record (the trade ~1 KB).
    "trades.offer": (3, 3, 14, 6),
    # The execution (TRADE_TRANSACTION below): as the offer's reads, then one transaction.
    "trades.confirm": (3, 3, 14, 28),
    "trades.cancel": (2, 2, 3, 10),  # player, trade, both links, record
    # Eggs and the buddy, measured 2026-12-02: GetItem of the player for the views; a
    # mutating action reads player + record (+ the creature to be the buddy) in one
    # BatchGetItem, then one transaction: player, record (+ the hatchling), x2 WRU.
    "eggs": (2, 1, 1, 0),
    "eggs.incubate": (2, 2, 2, 4),
    "eggs.hatch": (3, 2, 2, 6),
    "eggs.buddy": (1, 1, 1, 0),
    "eggs.choose_buddy": (2, 2, 3, 4),
    "eggs.buddy_candy": (2, 2, 2, 4),
    # Game data: built from the game core once per container, no AWS call at all (not even
    # the secret); the same for a revalidation answered 304.
    "gamedata": (0, 0, 0, 0),
    "gamedata.not_modified": (0, 0, 0, 0),
    # --- regional leaderboards ---
    # GetItem of the week's closed mark, a Query per shard (8) of its top list on the
    # by_score index, GetItem of the reader's entry, then per shard a count above it and
    # its neighbours either side (3 x 8): 34 sequential calls, all eventually consistent
    # but the closed mark. Measured 2026-12-02 on a board of 40 players.
    "boards": (34, 34, 17.5, 0),
    # --- live events, measured 2026-12-02 ---
    # The operators' routes: one call each. Create: a conditional PutItem (the event item
    # is its own idempotency record); list: one Query of the events' one partition (the
    # few events the scenarios stored, eventually consistent); cancel: a conditional
    # UpdateItem. No secret (events_admin doesn't read it).
    "events_admin": (1, 1, 0, 1),
    "events_admin.list": (1, 1, 0.5, 0),
    "events_admin.cancel": (1, 1, 0, 1),
    # A spin where an event doubles XP and stardust: the same calls as any spin, the
    # events from the container's cache (cold: its one Query).
    "spin.during_event": (3, 2, 3, 6),
    # Game data with a region's events: the cache's Query in a cold container, then no
    # call at all while the cache is fresh.
    "gamedata.region": (1, 0, 0, 0),
}
# The trade's execution is ONE TransactWriteItems: both creatures deleted and put at
# their new owners (4), both players (2), the trade (1), both friendship sides (2), both
# players' links to it (2) and the confirming player's action record (1) = 12 items of
# DynamoDB's 100. WRU = 2 per KB per item: 10 items under 1 KB + the trade item and the
# action record (each ~1.1 KB: both creatures' snapshots and the outcome) at 2 KB
# = (10 + 2 x 2) x 2 = 28. Measured 2026-12-02.
TRADE_TRANSACTION = {"items": 12, "wru": 28}
# Cold map: the curated cells read once (two geohash-6 cells around Times Square, 1.0),
# the curated gyms' states (0.5, eventually consistent) and, since live events, the
# events cache's Query (0.5, eventually consistent; once a minute per container).
MAP_COLD_RRU = 2.0

# Modules one deployed function's handler imports in a clean interpreter, measured
# 2026-12-01: 473 (authorizer) to 486 (catch), the same counts as from the real package
# (bench.coldstart's probe; results.json cold_start.*.modules_imported); bare
# `import boto3` alone is 363. Powertools (logs, EMF metrics) added 41 of them: its
# package imports Logger, Metrics and Tracer whichever one is asked for. Budget =
# measured + 10, then + 5 for the DynamoDB store split into small modules (mapping,
# failures, repositories, batch_reads, unit_of_work; every function wires the store).
# 2026-12-02, with gyms: every function + 2 (authorizer 476, catch 491); the map 483 ->
# 490 (game.gyms, game.raids, game.rewards, usecases.gyms, gym_board, idempotency,
# player: the map's gym summaries come from usecases.gyms); gyms 489, battles 491. The
# map's, gyms' and battles' budgets = measured + 10. 2026-12-02, with friends, gifts and
# trades: friends 495, gifts 496, trades 497 (game.friends, gifts, trades and their use
# cases); budgets = measured + 10.
# 2026-12-02, with eggs and the buddy: every function + 3 (game.walking, game.eggs and
# game.buddy: the player item holds the walk, the eggs and the buddy); eggs (its use case
# too) within the same budget as trades.
# With the weather and the polar world: every function + 2 (game.weather,
# game.world.cells), measured items 499, authorizer 489.
MODULE_BUDGET = {"auth": 500, "player": 500, "map": 505, "encounter": 501, "catch": 506,
                 "spin": 503, "items": 500, "creatures": 503, "jwt_authorizer": 490,
                 "gyms": 504, "battles": 506, "raids": 506,
                 "friends": 510, "gifts": 511, "trades": 512, "eggs": 512,
                 # 2026-12-02: gamedata 496 (the game core's rules it publishes: raids, trades,
                 # rewards...; no use case wiring a store); budget = measured + 10, + 5 for
                 # the walking, eggs, buddy and weather modules the game core gained.
                 "gamedata": 511,
                 # 2026-12-02, the leaderboards: 497 each (the stream and schedule
                 # functions' own handler modules: 496); budgets = measured + 10, + 5 for
                 # the walking, eggs, buddy and weather modules.
                 "boards": 512, "board_aggregator": 512, "board_scheduler": 512,
                 # 2026-12-02, live events: events_admin 502; budget = measured + 10.
                 "events_admin": 512}
# Live events added 3 modules to every function (game.events, usecases.events,
# adapters.events: the context wires the events cache): every budget above + 3.
MODULE_BUDGET = {name: budget + (3 if name != "events_admin" else 0)
                 for name, budget in MODULE_BUDGET.items()}


@contextlib.contextmanager
def _bench_harness():
    """The benchmark's harness on fresh moto tables, environment restored afterwards."""
    saved = dict(os.environ)
    harness = None
    try:
        with mock_aws():
            os.environ.update(provision(STAGE, secret_value=SECRET))
            harness = Harness()
            yield harness
    finally:
        if harness is not None:
            harness.close()
        os.environ.clear()
        os.environ.update(saved)


def _size_model() -> SizeModel:
    return SizeModel(boto3.client("dynamodb", region_name="us-east-1"))


@pytest.fixture(scope="module")
def figures(bench_run):
    return bench_run.figures  # tests/bench/conftest.py: count(), on moto


def test_every_route_has_a_scenario_and_every_scenario_a_budget(figures):
    from infra.functions import routes_by_feature

    routes = {f"{method} {path}" for feature, pairs in routes_by_feature().items()
              for path, method in pairs}
    assert {row["route"] for row in figures.values()} == routes
    assert set(BUDGETS) == {s.name for s in SCENARIOS}


@pytest.mark.parametrize("name", list(BUDGETS))
def test_dynamodb_calls_per_request(figures, name):
    cold, warm, _, _ = BUDGETS[name]
    row = figures[name]
    assert row["ddb_calls_cold"] <= cold, row["ddb_ops_cold"]
    assert row["ddb_calls_warm"] <= warm, row["ddb_ops_warm"]
    # every AWS call is one sequential round trip today; a cold container adds the secret
    assert row["round_trips_cold"] <= cold + 1
    assert row["round_trips_warm"] <= warm


@pytest.mark.parametrize("name", list(BUDGETS))
def test_capacity_units_per_request(figures, name):
    _, _, rru, wru = BUDGETS[name]
    row = figures[name]
    if name == "catch" and row.get("outcome_warm") != "caught":
        wru -= 2  # no creature written
    assert row["rru_model_warm"] <= rru
    assert row["wru_model_warm"] <= wru


def test_a_trade_executes_in_one_transaction_of_twelve_items(figures):
    """Issue #11: the trade's whole execution in one TransactWriteItems; its size in
    items and write units (the size model's: 2 WRU per KB of each item written)."""
    row = figures["trades.confirm"]
    assert row["ddb_ops_warm"].count("TransactWriteItems") == 1, row["ddb_ops_warm"]
    (transaction,) = row["transactions_warm"]
    assert transaction["items"] == TRADE_TRANSACTION["items"], transaction
    assert transaction["kinds"] == {"Delete": 4, "Put": 4, "Update": 4}, transaction
    assert row["wru_model_warm"] <= TRADE_TRANSACTION["wru"]


def test_map_budget_as_the_issue_states_it(figures):
    """Issue #5: map warm <= 1 DynamoDB call, no static read when warm; cold, the
    curated cells and the position update in one round trip (proved below, and in
    tests/api/test_map.py) — plus, since gyms, the curated gyms' states once per cell."""
    row = figures["map"]
    # Cold, + the live events' Query (once a minute per container), overlapping too.
    assert row["ddb_ops_cold"].count("BatchGetItem") == 2 and row["ddb_calls_cold"] <= 4
    assert row["ddb_ops_cold"].count("Query") == 1
    assert row["ddb_calls_warm"] <= 1
    assert "BatchGetItem" not in row["ddb_ops_warm"]
    assert row["rru_model_cold"] <= MAP_COLD_RRU


# --- the map's reads overlap its write ------------------------------------------------------
# moto answers in microseconds, so timings can't show an overlap; a barrier can: each
# listed (operation, table) call waits just before it is sent until all the others have
# arrived too. Calls made one after another can't all meet (the first gives up).

_gates: list = []


def _gate(params, event_name, **_kwargs):
    for gate in list(_gates):
        gate(event_name.rsplit(".", 1)[-1], params)


# before-parameter-build sees the API parameters (TableName, RequestItems) as called.
handlers.BUILTIN_HANDLERS.append(("before-parameter-build.dynamodb", _gate))


@contextlib.contextmanager
def _in_flight_together(*calls: tuple[str, str], timeout_s: float = 5.0):
    """(operation, table suffix) pairs; yields those that met at the barrier."""
    import threading

    barrier = threading.Barrier(len(calls), timeout=timeout_s)
    met, waited, lock = [], set(), threading.Lock()

    def gate(operation, params):
        tables = params.get("RequestItems") or {params.get("TableName"): None}
        for wanted in calls:
            if wanted[0] == operation and any(t and t.endswith(wanted[1]) for t in tables):
                with lock:
                    if wanted in waited:
                        return
                    waited.add(wanted)
                try:
                    barrier.wait()
                    met.append(wanted)
                except threading.BrokenBarrierError:
                    pass
                return

    _gates.append(gate)
    try:
        yield met
    finally:
        _gates.remove(gate)
        barrier.abort()


def _map_at(harness, player_id, lat, lng):
    from bench.game import Request

    request = Request("GET", "/v1/map", query={"lat": str(lat), "lng": str(lng)},
                      principal=player_id)
    return harness.invoke(request, "map")


def test_the_maps_reads_overlap_its_position_update():
    """Where generated gyms are within the map's radius: cold, the curated cells, the
    gyms' states, the live events and the position update all in flight at once (one
    DynamoDB round trip); warm with gym states older than 5 s, the gyms' read and the
    update (the events cache still fresh: no Query)."""
    with _bench_harness() as harness:
        harness.seed_curated()
        gym = harness.gym()  # a generated gym: the map around it lists it
        player_id = harness.new_player()
        assert _map_at(harness, player_id, gym.lat, gym.lng)[0] == 200  # the minute's position
        harness.reset()
        everything = [("BatchGetItem", "cells"), ("BatchGetItem", "gyms"), ("UpdateItem", "players"),
                      ("Query", "events")]
        with hooks.recording() as calls, _in_flight_together(*everything) as met:
            status, body = _map_at(harness, player_id, gym.lat, gym.lng)
        assert status == 200, body
        assert gym.id in {g["id"] for g in body["gyms"]}
        assert sorted(met) == sorted(everything), calls.names
        assert len(calls.of("dynamodb")) == 4, calls.names

        harness.expire_gym_states()
        pair = [("BatchGetItem", "gyms"), ("UpdateItem", "players")]
        with hooks.recording() as calls, _in_flight_together(*pair) as met:
            status, body = _map_at(harness, player_id, gym.lat, gym.lng)
        assert status == 200, body
        assert sorted(met) == sorted(pair), calls.names
        assert sorted(calls.of("dynamodb").names) == ["BatchGetItem", "UpdateItem"]


# Issue #5: a cold map reads <= 2.5 RRU at city density (the game's densest placement,
# ~200 forts per km2: bench.peers) and 4x fewer than dynamodbgeo (6.5 RRU in `make bench`,
# 2026-11-25). Measured 1.0 (two packed geohash-6 cells of ~2.5 KB each); budget = measured.
CITY_MAP_COLD_RRU = 1.0


def test_map_cold_read_units_at_city_density():
    """The benchmark's city-density POIs, imported as a studio would, then the map's cold
    cell read; read units from DynamoDB's rules on the items actually returned."""
    from bench import peers
    from geocritters.game.world import Fort
    from geocritters.usecases.curated import CuratedForts, import_pois

    with _bench_harness() as harness:
        for level in peers.generate_levels():
            import_pois(harness.ctx.store, [Fort(p.id, p.kind, p.name, p.lat, p.lng)
                                            for p in level["pois"]])
            if level["name"] == "city":
                break
        with hooks.recording() as calls:
            found = CuratedForts(harness.ctx.store, harness.clock).near(*peers.HOME, peers.MAP_RADIUS)
        dynamo = calls.of("dynamodb")
        assert dynamo.names == ["BatchGetItem"]
        assert len(found) > 100, "the cells read hold the city's forts"
        assert _size_model().units(dynamo)["rru"] <= CITY_MAP_COLD_RRU


def test_capacity_rules():
    """The unit arithmetic itself (DynamoDB's published rules)."""
    assert item_size({"pk": {"S": "abc"}, "n": {"N": "123.45"}}) == (2 + 3) + (1 + 4)
    assert item_size({"m": {"M": {"a": {"BOOL": True}}}, "l": {"L": [{"S": "xy"}]}}) \
        == (1 + 3 + 1 + 1 + 1) + (1 + 3 + 1 + 2)
    assert read_units(0, consistent=False) == 0.5  # a read that finds nothing still costs
    assert read_units(4096, consistent=True) == 1.0
    assert read_units(4097, consistent=False) == 1.0
    assert write_units(1024) == 1.0 and write_units(1025) == 2.0 and write_units(0) == 1.0


_PROBE = r"""
import sys
sys.path[:0] = sys.argv[1].split(":")
before = set(sys.modules)
__import__(sys.argv[2], fromlist=["_"])
print(len(set(sys.modules) - before))
"""


@pytest.mark.slow
def test_modules_imported_per_deployed_function(tmp_path):
    """Each function's handler, imported alone in ``python -I -S -B`` with the Lambda
    environment (GEOCRITTERS_FEATURE=<feature>), from the source tree and only the
    layer's distributions (bench.coldstart.runtime_site: requirements.txt's closure),
    so the count is the deployed one without the 20 s of packaging."""
    from bench.coldstart import lambda_env, runtime_site
    from infra import functions as fn

    site = runtime_site(tmp_path / "site")
    path = ":".join([str(PROJECT_DIR), str(PROJECT_DIR / "layers" / "shared"), str(site)])

    def measure(spec):
        module = "geocritters.edge.auth" if spec.is_authorizer else "app"
        result = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", _PROBE, path, module],
                                env=lambda_env(spec, PROJECT_DIR), capture_output=True, text=True,
                                timeout=120, cwd=PROJECT_DIR)
        assert result.returncode == 0, result.stderr[-2000:]
        return spec.name, int(result.stdout.strip().splitlines()[-1])

    with ThreadPoolExecutor(2) as pool:
        counts = dict(pool.map(measure, fn.FUNCTIONS.values()))
    assert set(counts) == set(MODULE_BUDGET)
    over = {name: (n, MODULE_BUDGET[name]) for name, n in counts.items() if n > MODULE_BUDGET[name]}
    assert not over, f"modules imported (measured, budget): {over}"


def test_the_trade_bench_runs():
    """``make bench-trades`` (bench.trades) on moto, at two confirmations: its set-up
    and its transaction's shape keep working between its runs on DynamoDB Local."""
    from bench.trades import one_after_another

    with _bench_harness() as harness:
        measured = one_after_another(harness, 2, _size_model())
    assert measured["transaction"]["items"] == TRADE_TRANSACTION["items"]
    assert measured["transaction"]["wru"] <= TRADE_TRANSACTION["wru"]
    assert measured["latency_ms"]["n"] == 2


def test_game_data_makes_no_aws_call(figures):
    """GET /v1/game-data reads nothing: no table, and no secret even in a cold container
    (its function's role has neither)."""
    for name in ("gamedata", "gamedata.not_modified"):
        row = figures[name]
        assert row["aws_calls_cold"] == row["aws_calls_warm"] == 0, row


# --- live events ----------------------------------------------------------------------------

def test_live_events_are_one_query_per_container_and_nothing_while_cached(figures):
    """A function applying events reads them once per cache time (cold here); while the
    cache is fresh they cost no call: a spin under an event makes the calls of any spin,
    game data with a region's events makes none."""
    event_spin, spin = figures["spin.during_event"], figures["spin"]
    assert event_spin["ddb_ops_warm"] == spin["ddb_ops_warm"] == ["BatchGetItem", "TransactWriteItems"]
    assert event_spin["ddb_ops_cold"].count("Query") == 1
    region = figures["gamedata.region"]
    assert region["aws_calls_warm"] == 0, region
    assert region["ddb_ops_cold"] == ["Query"] and region["aws_calls_cold"] == 1  # no secret
    assert [figures[name]["ddb_ops_warm"] for name in
            ("events_admin", "events_admin.list", "events_admin.cancel")] == [
        ["PutItem"], ["Query"], ["UpdateItem"]]


def test_the_event_scenarios_measure_an_event_in_force():
    """The measured spin really is under its event (XP doubled, also when the events
    come from the warm cache), and the region's game data lists it: the zero calls
    above are a cache hit, not an empty table."""
    from bench.game import SCENARIO_BY_NAME

    with _bench_harness() as harness:
        def answer(name, cold):
            scenario = SCENARIO_BY_NAME[name]
            request = scenario.request(harness)
            if cold:
                harness.reset()
            with hooks.recording() as calls:
                status, body = harness.invoke(request, scenario.feature)
            assert status == scenario.status, body
            return body, calls.of("dynamodb").names

        ordinary, _ = answer("spin", cold=True)
        for cold in (True, False):
            body, names = answer("spin.during_event", cold)
            assert body["xp"] == 2 * ordinary["xp"], (cold, body, ordinary)
            assert names.count("Query") == (1 if cold else 0), names
        body, names = answer("gamedata.region", cold=False)
        assert names == [] and harness._fixtures["event"] in [e["id"] for e in body["events"]]
