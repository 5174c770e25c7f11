"""``make bench-contention`` / ``python -m bench.contention``: many players acting on ONE
gym or ONE raid at the same instant, on DynamoDB Local.

Every write to a gym is the whole gym item, conditioned on its revision, inside the
acting player's transaction (usecases/gyms.py): concurrent actions on one gym serialize
on that item. Two bursts, each at N = 10, 50, 200 players released together:

- deploy: N players of one team, each with one creature of its own species, deploy to
  one empty gym: exactly 6 must succeed (the gym's slots), the rest be refused;
- battle: N players of the two rival teams each attack one full gym (6 defenders) with
  six creatures;
- join: N players with a raid pass join one raid: lobbies of at most 20 fill (each
  lobby's header an item of its own, its count under a condition), ceil(N / 20) of them.

Printed per burst: successes, throughput (successes per second of the burst's wall
time), latency p50/p99 of every request, refusals by code, the transactions DynamoDB
cancelled (each one is a ``StaleState``: the action re-reads and recomputes, after a
jittered pause) and 503s (4 attempts lost), and the transactions sent per success.

How: the benchmark's harness (bench.game) in-process, the same DynamoDB Local as
``make bench`` (bench.dynamodb_local), the calls counted by bench.hooks. Each player is
one thread calling the action's use case (what the route's handler calls after parsing)
with the function's own time budget; not the Chalice handler: Chalice keeps the
current request on the app object, one request at a time, as Lambda runs it. The
threads share this process's interpreter (one runs Python at a time), so latency under
load here includes waiting for it: N Lambda containers would each have their own CPU.
The figures to read are the counts (successes, refusals, cancelled transactions); the
throughput is this machine's, a floor.
"""
from __future__ import annotations

import argparse
import collections
import json
import logging
import math
import os
import sys
import threading
import time
from pathlib import Path

from bench import hooks  # registers the call-recording hooks before any session exists

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT_DIR / "build" / "bench"
PLAYERS = (10, 50, 200)
ATTACKERS = 6  # creatures per battle team

# DynamoDB: one partition takes at most 1,000 write units per second; one item always
# lives in one partition, so every write of one gym shares that ceiling.
PARTITION_WCU_PER_S = 1000
TRANSACTION_FACTOR = 2  # a write inside TransactWriteItems costs twice a plain one

_http_attempts: collections.Counter = collections.Counter()
_attempts_lock = threading.Lock()


def _count_attempt(event_name, **_kwargs):
    """Every HTTP attempt (the SDK's own retries included), by operation."""
    with _attempts_lock:
        _http_attempts[event_name.rsplit(".", 1)[-1]] += 1


_attempt_outcomes: collections.Counter = collections.Counter()


def _count_outcome(event_name, response_dict=None, parsed_response=None, exception=None,
                   **_kwargs):
    """What each HTTP attempt got: a status and error code, or the exception that ended it."""
    operation = event_name.rsplit(".", 1)[-1]
    if exception is not None:
        outcome = type(exception).__name__
    else:
        status = (response_dict or {}).get("status_code")
        code = ((parsed_response or {}).get("Error") or {}).get("Code")
        outcome = f"{status}{' ' + code if code else ''}"
    with _attempts_lock:
        _attempt_outcomes[f"{operation} {outcome}"] += 1


from botocore import handlers  # noqa: E402  (after bench.hooks: its handlers come first)

handlers.BUILTIN_HANDLERS.extend([("before-send.dynamodb", _count_attempt),
                                  ("response-received.dynamodb", _count_outcome)])


def _log(*args):
    print(*args, flush=True)


# --- setting a burst up (never timed) ------------------------------------------------------

def _deploy_burst(h, n: int):
    """N blue players at one empty gym, each with one creature of a distinct species
    (cycling through the species list: at N > 40 some share one, and the gym refuses a
    second of a species)."""
    from geocritters.game.species import species
    from geocritters.usecases import gyms
    from geocritters.usecases.idempotency import fingerprint

    kinds = _species_count(species)
    gym = h.gym()
    actions = []
    for i in range(n):
        player_id = h.gym_player("blue")
        creature_id = h.add_creature(player_id, species_id=i % kinds + 1, level=20.0)
        key = h.fresh("contend-deploy")

        def act(player_id=player_id, creature_id=creature_id, key=key):
            return gyms.deploy(h.ctx, player_id, gym.id, creature_id, gym.lat, gym.lng, key,
                               fingerprint("deploy", gym.id, creature_id, key))
        actions.append(act)
    return gym, actions


def _battle_burst(h, n: int):
    """One gym full of strong blue defenders (level 40); N players, alternately red and
    yellow, each with a team of six at level 20: most battles are lost, and every battle,
    won or lost, writes the gym (motivation), so the gym stays contended throughout."""
    from geocritters.usecases.gym_battle import battle
    from geocritters.usecases.idempotency import fingerprint

    gym = h.gym()
    h.occupy(gym, "blue", 6, level=40.0)
    actions = []
    for i in range(n):
        player_id = h.gym_player(("red", "yellow")[i % 2])
        team = [h.add_creature(player_id, species_id=20 + k, level=20.0) for k in range(ATTACKERS)]
        key = h.fresh("contend-battle")

        def act(player_id=player_id, team=team, key=key):
            return battle(h.ctx, player_id, gym.id, team, gym.lat, gym.lng, key,
                          fingerprint("battle", gym.id, team, key))
        actions.append(act)
    return gym, actions


def _species_count(species) -> int:
    from geocritters.game.errors import NotFound

    n = 0
    while True:
        try:
            species(n + 1)
        except NotFound:
            return n
        n += 1


def _fresh_raid(h):
    """(raid, gym): a raid whose boss is up at the bench's moment, with time left for a
    lobby, that no lobby exists for yet (each burst its own raid)."""
    from bench.game import HOME
    from geocritters.game.lobbies import fight_ms
    from geocritters.game.raids import raid_at

    ctx, now_ms = h.ctx, h.ctx.clock.now_ms()
    used = h._fixtures.setdefault("contention_raids", set())
    for step in range(40):
        for hour in range(24):
            lat, lng = HOME[0] + 0.015 * step, (HOME[1] + 15 * hour + 180) % 360 - 180
            for fort in ctx.world.forts_near(lat, lng, 1000.0):
                raid = raid_at(ctx.keys.spawns, fort, now_ms, ctx.config) if fort.kind == "gym" else None
                if raid is None or raid.raid_id in used or raid.phase(now_ms) != "battle" \
                        or raid.end_ms - now_ms <= ctx.config.raid_lobby_countdown_ms + fight_ms(raid, ctx.config):
                    continue
                used.add(raid.raid_id)
                return raid, fort
    raise LookupError("no fresh raid with its boss up at the bench's moment")


def _join_burst(h, n: int):
    """N players at one raid's gym, each with a raid pass and one creature, join at once:
    they fill lobbies of 20 (each lobby header one item, counted under a condition)."""
    from geocritters.usecases import raids
    from geocritters.usecases.idempotency import fingerprint

    raid, gym = _fresh_raid(h)
    actions = []
    for _ in range(n):
        player_id = h.gym_player("blue", items={"raid_pass": 1})
        creature_id = h.add_creature(player_id, species_id=30, level=30.0)
        key = h.fresh("contend-join")

        def act(player_id=player_id, creature_id=creature_id, key=key):
            return raids.join_raid(h.ctx, player_id, raid.raid_id, [creature_id], gym.lat,
                                   gym.lng, key, fingerprint("join", raid.raid_id, key))
        actions.append(act)
    h._fixtures.setdefault("burst_raids", {})[gym.id] = raid.raid_id
    return gym, actions


BURSTS = {"deploy": _deploy_burst, "battle": _battle_burst, "join": _join_burst}
FUNCTION_OF_BURST = {"deploy": "gyms", "battle": "battles", "join": "raids"}


def _after(h, name: str, gym) -> dict:
    """What the contended object holds once the burst is over."""
    if name == "join":
        lobbies = h.ctx.store.lobbies.lobbies(h._fixtures["burst_raids"][gym.id])
        return {"lobbies": len(lobbies), "members": sum(lb.size for lb in lobbies),
                "largest": max((lb.size for lb in lobbies), default=0)}
    state = h.ctx.store.gyms.get_gym(gym.id)
    return {"team": state.team, "defenders": len(state.defenders), "revision": state.revision}


# --- running one --------------------------------------------------------------------------

def _transactions(calls) -> dict:
    """TransactWriteItems sent: committed, cancelled by reason (the gym's revision
    condition, a transaction conflict, ...), or left without an answer."""
    out = {"sent": 0, "committed": 0, "cancelled": collections.Counter(), "unanswered": 0}
    for call in calls.of("dynamodb"):
        if call.operation != "TransactWriteItems":
            continue
        out["sent"] += 1
        if call.status == 200:
            out["committed"] += 1
            continue
        error = (call.parsed or {}).get("Error", {})
        reasons = [r.get("Code") for r in (call.parsed or {}).get("CancellationReasons", [])
                   if r.get("Code") not in (None, "None")]
        if call.status is None:
            out["unanswered"] += 1  # every attempt ended without an answer (the SDK's timeouts)
        else:
            out["cancelled"][",".join(sorted(set(reasons))) or error.get("Code", "?")] += 1
    return out


def run_burst(h, name: str, n: int, timeout_ms: int) -> dict:
    from geocritters.adapters import budget
    from geocritters.edge.errors import status_for
    from geocritters.game.errors import GameError

    gym, actions = BURSTS[name](h, n)
    start = threading.Barrier(n + 1)
    results: list = [None] * n

    def player(i):
        start.wait()
        began = time.perf_counter()
        budget.start_request(timeout_ms)  # the function's own deadline, from now
        try:
            actions[i]()
            outcome = ("ok", 200)
        except GameError as error:
            code = error.code
            if status_for(error) == 503:  # the same code, three causes: say which
                code += (" (4 attempts lost)" if "simultaneous" in error.message
                         else " (no answer from DynamoDB)" if error.__cause__ is not None
                         else " (out of time)")
            outcome = (code, status_for(error))
        except Exception as error:  # reported as a 500, never hidden
            outcome = (f"{type(error).__name__}: {error}"[:120], 500)
        results[i] = (outcome, began, time.perf_counter())

    threads = [threading.Thread(target=player, args=(i,), name=f"player-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    with hooks.recording() as calls:
        _http_attempts.clear()
        _attempt_outcomes.clear()
        start.wait()
        released = time.perf_counter()
        for thread in threads:
            thread.join()
    ended = max(r[2] for r in results)
    wall_s = ended - released
    latencies = sorted((r[2] - r[1]) * 1000 for r in results)
    ok = sum(1 for r in results if r[0][0] == "ok")
    refusals = collections.Counter(f"{code} ({status})" for (code, status), _, _ in results
                                   if code != "ok")
    transactions = _transactions(calls)
    dynamo = calls.of("dynamodb")
    return {
        "players": n, "gym": gym.id, "successes": ok, "wall_s": round(wall_s, 3),
        "successes_per_s": round(ok / wall_s, 1) if wall_s else None,
        "requests_per_s": round(n / wall_s, 1) if wall_s else None,
        "latency_ms": {"p50": round(_pct(latencies, 50), 1), "p99": round(_pct(latencies, 99), 1),
                       "max": round(latencies[-1], 1)},
        "refusals": dict(sorted(refusals.items())),
        "http_503": sum(1 for (_, status), _, _ in results if status == 503),
        "transactions": {"sent": transactions["sent"], "committed": transactions["committed"],
                         "cancelled": dict(transactions["cancelled"]),
                         "unanswered": transactions["unanswered"]},
        # Each cancelled transaction is a StaleState: the action re-read and recomputed.
        "stale_recomputes": sum(transactions["cancelled"].values()),
        "transactions_per_success": round(transactions["sent"] / ok, 2) if ok else None,
        "ddb_calls": dict(collections.Counter(c.operation for c in dynamo)),
        "http_attempts": dict(_http_attempts),
        "http_attempt_outcomes": dict(sorted(_attempt_outcomes.items())),
        "slowest_call_ms": {op: round(max((c.ended - c.started) * 1000 for c in dynamo
                                          if c.operation == op and c.ended), 1)
                            for op in sorted({c.operation for c in dynamo})},
        "sdk_retries": sum(_http_attempts.values()) - len(dynamo),
        "after": _after(h, name, gym),
    }


def _pct(ordered, q):
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def gym_item_size(raw_client, table: str, gym_id: str) -> int:
    from bench.capacity import item_size

    item = raw_client.get_item(TableName=table, Key={"gym_id": {"S": gym_id}},
                               ConsistentRead=True).get("Item")
    return item_size(item)


def ceiling(size_bytes: int) -> dict:
    """The most writes one gym item can take per second (one partition's 1,000 WCU)."""
    wcu_plain = max(1, math.ceil(size_bytes / 1024))
    wcu = wcu_plain * TRANSACTION_FACTOR
    return {"item_bytes": size_bytes, "wcu_per_write": wcu_plain,
            "wcu_per_transactional_write": wcu,
            "gym_writes_per_s": PARTITION_WCU_PER_S // wcu}


# --- the report -----------------------------------------------------------------------------

def render(results: dict) -> str:
    out = [f"Contention on one gym or raid — {results['date']}, {results['machine']}",
           "N players released together; one thread each, in one process (latency includes "
           "waiting for the interpreter); DynamoDB Local on loopback.",
           "recomputes = transactions cancelled by a condition (StaleState: re-read, recompute); "
           "unanswered = transactions whose every SDK attempt timed out (DynamoDB Local makes a "
           "transaction wait while another holds the item); txn/ok = transactions sent per success.",
           ""]
    head = ["burst", "N", "ok", "wall s", "ok/s", "req/s", "p50 ms", "p99 ms", "503",
            "recomputes", "unanswered txn", "txn/ok", "SDK retries"]
    rows = []
    for burst in results["bursts"]:
        cancelled = burst["transactions"]["cancelled"]
        rows.append([burst["name"], burst["players"], burst["successes"], f"{burst['wall_s']:.2f}",
                     burst["successes_per_s"], burst["requests_per_s"], burst["latency_ms"]["p50"],
                     burst["latency_ms"]["p99"], burst["http_503"], sum(cancelled.values()),
                     burst["transactions"]["unanswered"],
                     burst["transactions_per_success"] if burst["transactions_per_success"] else "-",
                     burst["sdk_retries"]])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for line in (head, ["-" * w for w in widths], *rows):
        out.append("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                             for i, (c, w) in enumerate(zip(line, widths, strict=True))))
    out.append("")
    for burst in results["bursts"]:
        refusals = ", ".join(f"{k} x{v}" for k, v in burst["refusals"].items()) or "none"
        cancelled = ", ".join(f"{k} x{v}" for k, v in burst["transactions"]["cancelled"].items()) or "none"
        after = ", ".join(f"{k} {v}" for k, v in burst["after"].items())
        timeouts = sum(v for k, v in burst.get("http_attempt_outcomes", {}).items()
                       if k.endswith("ReadTimeoutError"))
        out.append(f"{burst['name']} N={burst['players']}: refusals {refusals}; cancelled "
                   f"transactions {cancelled}; HTTP attempts past the SDK's 1 s read timeout "
                   f"{timeouts} (slowest call ms {burst.get('slowest_call_ms')}); after: {after}")
    c = results["ceiling"]
    out.append("")
    out.append(
        f"Per-item ceiling: a full gym item is {c['item_bytes']} bytes = {c['wcu_per_write']} WCU "
        f"per write, x{TRANSACTION_FACTOR} inside a transaction = {c['wcu_per_transactional_write']} "
        f"WCU. One item lives in one partition ({PARTITION_WCU_PER_S:,} WCU/s): at most "
        f"{c['gym_writes_per_s']} successful gym writes/s per gym, whatever the table's capacity "
        f"(deploy, feed, battle all write the whole gym item).")
    out.append(
        "Lost attempts may come on top: a failed conditional write is billed; if a cancelled "
        "transaction is billed the same way, the successful writes/s of one contended gym "
        "fall by the transactions sent per success above (e.g. "
        + ", ".join(f"{b['name']} N={b['players']}: ~{int(c['gym_writes_per_s'] / b['transactions_per_success'])}/s"
                    for b in results["bursts"] if b["transactions_per_success"]) + ").")
    return "\n".join(out)


def run(args) -> dict:
    import boto3

    from bench.__main__ import _clean_environment, _meta, _provision
    from bench.dynamodb_local import DynamoDBLocal
    from bench.game import SECRET, STAGE, Harness, app_environment
    from infra.functions import FUNCTIONS

    _clean_environment()
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # pool-full notices at N=200
    os.environ.update(app_environment(STAGE))
    hooks.stub_secret(SECRET)
    meta = _meta()
    results = {"date": meta["date"], "git_commit": meta["git_commit"],
               "machine": f"{meta['machine']['nproc']} cores, Python {meta['machine']['python']}",
               "method": __doc__, "bursts": []}
    with DynamoDBLocal(log=_log) as ddb, ddb.network():
        _log(f"DynamoDB Local on {ddb.endpoint_url} ({ddb.bind}), up in {ddb.started_s:.1f} s")
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = ddb.endpoint_url
        raw = boto3.session.Session().client("dynamodb", region_name="us-east-1",
                                             endpoint_url=ddb.endpoint_url)
        _provision(raw, STAGE)
        harness = Harness()
        try:
            for name in args.bursts:
                timeout_ms = FUNCTIONS[FUNCTION_OF_BURST[name]].timeout_s * 1000
                for n in args.players:
                    began = time.perf_counter()
                    burst = run_burst(harness, name, n, timeout_ms)
                    burst["name"] = name
                    results["bursts"].append(burst)
                    _log(f"  {name} N={n}: {burst['successes']} ok in {burst['wall_s']:.2f} s, "
                         f"{burst['stale_recomputes']} recomputes "
                         f"({time.perf_counter() - began:.1f} s with setup)")
            full = next((b for b in results["bursts"] if b["name"] == "deploy"
                         and b["after"]["defenders"] == 6), None)
            if full is None:  # no deploy burst run: fill one gym for the measure
                gym = harness.gym()
                harness.occupy(gym, "blue", 6)
                full = {"gym": gym.id}
            from infra import tables

            results["ceiling"] = ceiling(gym_item_size(raw, tables()["gyms"].table_name(STAGE),
                                                       full["gym"]))
        finally:
            harness.close()
            os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.contention", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", type=int, nargs="+", default=list(PLAYERS))
    parser.add_argument("--bursts", nargs="+", choices=sorted(BURSTS), default=list(BURSTS))
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    results = run(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "contention.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
