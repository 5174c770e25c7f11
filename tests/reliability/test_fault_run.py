"""Nothing lost, nothing duplicated: a seeded randomized session under DynamoDB faults.

Every DynamoDB attempt (first tries and SDK retries alike) has a 20 % chance of having
its answer lost after it was applied and a 10 % chance of being throttled; a
TransactWriteItems attempt that got through has another 10 % chance of a transaction
conflict. Clients resend the same request (same Idempotency-Key) after every 503 until
they get another answer. Then the ledger of what clients were told must equal what is
stored, nothing may have been applied twice, and replays 11 minutes later must return
the same answers and change nothing. Trades conserve creatures (each id has one stored
owner, the one the answers imply) and charge the cost table; each sent gift is opened
at most once; friend books are mirrored and counted (social_play.py). Eggs, incubators
and the buddy are the ledger's; each egg hatches once, no walked total exceeds the walk
(egg_play.py).

Environment: FAULT_ACTIONS (default 10000) in epochs of FAULT_EPOCH_ACTIONS (250), each
a fresh session of FAULT_PLAYERS (4) new players on an empty backend; FAULT_WORKERS
epochs at a time (forked processes, default min(2, CPUs)); FAULT_SEED; FAULT_REPLAYS
(answered requests replayed 11 minutes later, default 1000, spread over the epochs).
"""
import json
import os
import time
from collections import Counter

import pytest

from tests.reliability import fault_run
from tests.reliability.faults import CANCELED_CONFLICT, CONFLICT, LOST, THROTTLE

ACTIONS = int(os.environ.get("FAULT_ACTIONS", "10000"))
PLAYERS = int(os.environ.get("FAULT_PLAYERS", "4"))  # per epoch
EPOCH_ACTIONS = int(os.environ.get("FAULT_EPOCH_ACTIONS", "250"))
WORKERS = int(os.environ.get("FAULT_WORKERS", str(min(2, os.cpu_count() or 1))))
SEED = int(os.environ.get("FAULT_SEED", "4"))
REPLAYS = int(os.environ.get("FAULT_REPLAYS", "1000"))

pytestmark = pytest.mark.slow

_result: dict = {}  # the run is shared by the tests below (it is the expensive part)

# The one known cause of 500s under these faults (see test_fault_injection.py).
LOST_ANSWER_ERRORS = {"ReadTimeoutError", "ConnectionClosedError"}

# Every gym and raid action the run must have sent at least once.
GYM_KINDS = ("deploy", "battle", "feed", "gym_spin", "claim_defenders", "defenders", "join_raid",
             "claim_raid", "raid_throw")
# Every friends, gifts and trades action the run must have sent at least once (a remove
# and a friends page are rare: they may not come up in a short run).
SOCIAL_KINDS = ("friend_request", "answer_request", "send_gift", "open_gift", "propose_trade",
                "offer_trade", "confirm_trade")
# Every walking, egg and buddy action the run must have sent at least once.
EGG_KINDS = ("walk", "eggs", "incubate", "hatch", "choose_buddy", "claim_buddy_candy")


def _the_run(api, clock, faults, report) -> dict:
    if "crashed" in _result:
        pytest.fail(f"the fault run itself failed: {_result['crashed']}")
    if _result:
        return _result
    started = time.perf_counter()
    try:
        epochs = fault_run.run(api, clock, faults, players=PLAYERS, actions=ACTIONS,
                               workers=WORKERS, seed=SEED, replays=REPLAYS,
                               epoch_actions=EPOCH_ACTIONS)
    except Exception as error:
        _result["crashed"] = repr(error)
        raise
    wall = time.perf_counter() - started
    total = {"wall_s": wall, "epochs": epochs}
    for name in ("actions", "outcomes", "client", "injected_by_kind", "attempts", "lost_statuses",
                 "skipped"):
        merged = {}
        for epoch in epochs:
            for key, n in epoch[name].items():
                merged[key] = merged.get(key, 0) + n
        total[name] = merged
    for name in ("failures", "replay_mismatches", "unexpected", "contradictions", "disagreements"):
        total[name] = [entry for epoch in epochs for entry in epoch[name]]
    total["replayed"] = sum(s["replayed"] for s in epochs)
    total["backoff_s"] = sum(s["backoff_s"] for s in epochs)
    total["cpu_s"] = sum(s["cpu_s"] for s in epochs)
    owners = {}
    for epoch in epochs:  # creature ids across epochs
        for phase in ("after_run", "after_replays"):
            for creature_id, n in epoch[phase]["creature_owners"].items():
                owners[creature_id] = max(owners.get(creature_id, 0), n)
    total["creatures_owned_twice"] = owners
    social = {}
    for epoch in epochs:  # the session's figures (replays don't add to them)
        for name, n in epoch["after_replays"]["social"]["figures"].items():
            social[name] = social.get(name, 0) + n
    total["social"] = social
    eggs = {}
    for epoch in epochs:
        for name, n in epoch["after_replays"]["eggs"]["figures"].items():
            eggs[name] = eggs.get(name, 0) + n
    total["eggs"] = eggs
    _result.update(total)

    injected = total["injected_by_kind"]
    client = total["client"]
    report(
        f"fault run: {sum(total['actions'].values())} actions ({_fmt(total['actions'])}) by "
        f"{PLAYERS} players x {len(epochs)} epochs, {WORKERS} worker(s), seed {SEED}, "
        f"{wall:.1f} s wall, {total['cpu_s']:.1f} s CPU in the epochs")
    report(
        f"  faults injected: {injected.get(LOST, 0)} lost answers, {injected.get(THROTTLE, 0)} "
        f"throttles, {injected.get(CONFLICT, 0)} TransactionConflict, "
        f"{injected.get(CANCELED_CONFLICT, 0)} TransactionCanceled[TransactionConflict] over "
        f"{sum(total['attempts'].values())} DynamoDB attempts ({_fmt(total['attempts'])})")
    report(
        f"  client: {client.get('requests', 0)} requests, {client.get('attempts', 0)} sent, "
        f"{client.get('503', 0)} x 503, {client.get('5xx', 0)} x other 5xx, "
        f"{client.get('bad_503', 0)} malformed 503s, {client.get('never_settled', 0)} never settled; "
        f"{total['replayed']} replays after 11 min; botocore backoff skipped "
        f"{total['backoff_s']:.0f} s")
    gym_kinds = set(GYM_KINDS)
    report("  gyms and raids: " + _fmt({k: n for k, n in total["outcomes"].items()
                                          if k.split()[0] in gym_kinds}))
    social_kinds = set(SOCIAL_KINDS) | {"remove_friend", "friends", "cancel_trade"}
    report("  friends, gifts, trades: " + _fmt({k: n for k, n in total["outcomes"].items()
                                                if k.split()[0] in social_kinds}))
    report(
        f"  trades: {social.get('trades_completed', 0)} completed ({social.get('trades_special', 0)} "
        f"special sides), {social.get('trades_cancelled', 0)} cancelled of "
        f"{social.get('trades_proposed', 0)} proposed; stardust paid {social.get('trade_stardust_told', 0)} "
        f"(cost table {social.get('trade_stardust_table', 0)}); gifts: {social.get('gifts_sent', 0)} "
        f"sent, {social.get('gifts_opened', 0)} opened")
    egg_kinds = set(EGG_KINDS) | {"buddy"}
    report("  walking, eggs, buddy: " + _fmt({k: n for k, n in total["outcomes"].items()
                                             if k.split()[0] in egg_kinds}))
    report(
        f"  walked: {eggs.get('walked_stored_m', 0)} m counted of {eggs.get('walked_path_m', 0)} m "
        f"walked ({eggs.get('walk_reports', 0)} map reports); {eggs.get('hatched', 0)} eggs hatched "
        f"({eggs.get('hatch_candy', 0)} candy, {eggs.get('hatch_stardust', 0)} stardust); "
        f"buddy candy {eggs.get('buddy_candy', 0)}")
    report(
        f"  duplicates: {_duplicates(total)} (ledger units off {_units(total)}, replay mismatches "
        f"{len(total['replay_mismatches'])}, creatures owned twice {len(owners)}, gym/raid "
        f"conservation problems {_gym_problems(total)}, friends/gifts/trades conservation problems "
        f"{_social_problems(total)}, walking/egg problems {_egg_problems(total)})")
    return _result


def _fmt(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _gym_problems(total) -> int:
    return sum(len(s[phase]["gym_problems"]) for s in total["epochs"]
               for phase in ("after_run", "after_replays"))


def _social_problems(total) -> int:
    return sum(len(s[phase]["social"]["problems"]) for s in total["epochs"]
               for phase in ("after_run", "after_replays"))


def _egg_problems(total) -> int:
    return sum(len(s[phase]["eggs"]["problems"]) for s in total["epochs"]
               for phase in ("after_run", "after_replays"))


def _units(total) -> int:
    return sum(s[phase]["duplicate_units"] for s in total["epochs"]
               for phase in ("after_run", "after_replays"))


def _duplicates(total) -> int:
    visit = sum(abs(a - b) for s in total["epochs"] for phase in ("after_run", "after_replays")
                for stops in s[phase]["visit_diffs"].values() for a, b in stops.values())
    records = sum(len(v["stored_not_told"]) + len(v["told_not_stored"]) for s in total["epochs"]
                  for phase in ("after_run", "after_replays")
                  for v in s[phase]["action_record_diffs"].values())
    return (_units(total) + visit + records + len(total["replay_mismatches"])
            + len(total["creatures_owned_twice"]) + _gym_problems(total) + _social_problems(total)
            + _egg_problems(total))


def _short(entries, n=5) -> str:
    return json.dumps(entries[:n], default=str)[:3000]


def test_ledger_equals_stored_state_and_nothing_is_applied_twice(api, clock, faults, report):
    run = _the_run(api, clock, faults, report)
    assert sum(run["actions"].values()) >= ACTIONS * 0.9, run["skipped"]
    for kind in ("throw", "encounter", "spin", "transfer", "evolve", "power_up", *GYM_KINDS,
                 *SOCIAL_KINDS, *EGG_KINDS):
        assert run["actions"].get(kind, 0) > 0, f"no {kind} in the run"
    assert run["injected_by_kind"].get(LOST, 0) > 0 and run["injected_by_kind"].get(THROTTLE, 0) > 0
    # all went through the injector
    for operation in ("GetItem", "BatchGetItem", "PutItem", "TransactWriteItems"):
        assert run["attempts"].get(operation, 0) > 0, run["attempts"]
    for epoch in run["epochs"]:
        for phase in ("after_run", "after_replays"):
            checked = epoch[phase]
            assert not checked["diffs"], f"{phase}: ledger != stored state: {checked['diffs']}"
            assert not checked["visit_diffs"], f"{phase}: stop spins: {checked['visit_diffs']}"
            assert not checked["action_record_diffs"], \
                f"{phase}: idempotency records: {checked['action_record_diffs']}"
            assert not checked["negative"], f"{phase}: negative balances: {checked['negative']}"
            assert not checked["gym_problems"], \
                f"{phase}: gyms, inboxes, lobbies, boss encounters: {_short(checked['gym_problems'])}"
            assert not checked["social"]["problems"], \
                f"{phase}: friends, gifts, trades, creature owners: {_short(checked['social']['problems'])}"
            assert not checked["eggs"]["problems"], \
                f"{phase}: walking, eggs: {_short(checked['eggs']['problems'])}"
    assert not run["creatures_owned_twice"], run["creatures_owned_twice"]
    assert run["social"].get("trades_completed", 0) > 0 and run["social"].get("gifts_opened", 0) > 0, \
        run["social"]
    assert run["eggs"].get("hatched", 0) > 0 and run["eggs"].get("walked_stored_m", 0) > 0, run["eggs"]
    assert run["outcomes"].get("hatch 409 egg_not_ready", 0) > 0, "no hatch tried too early"
    assert not run["disagreements"], f"answers contradicting the ledger: {_short(run['disagreements'])}"
    assert not run["contradictions"], f"refusals the ledger contradicts: {_short(run['contradictions'])}"
    assert not run["unexpected"], f"unexpected refusals: {_short(run['unexpected'])}"
    assert _duplicates(run) == 0


def test_replays_after_eleven_minutes_are_identical(api, clock, faults, report):
    run = _the_run(api, clock, faults, report)
    assert run["replayed"] >= min(REPLAYS, 1), run["replayed"]
    assert not run["replay_mismatches"], _short(run["replay_mismatches"])


def test_every_failure_is_a_json_503_with_retry_after(api, clock, faults, report):
    run = _the_run(api, clock, faults, report)
    assert run["client"].get("never_settled", 0) == 0, _short(run["failures"])
    assert run["client"].get("503", 0) > 0, "the faults never reached a client"
    malformed = [f for f in run["failures"] if f["kind"] == "malformed 503"]
    assert not malformed, _short(malformed)
    errors = [f for f in run["failures"] if f["kind"].startswith("HTTP")]
    unknown = [f for f in errors if not LOST_ANSWER_ERRORS & set(f.get("cause") or ())]
    assert not unknown, f"5xx other than 503 with an unknown cause: {_short(unknown)}"
    if errors:
        causes = Counter(" <- ".join(f["cause"]) for f in errors)
        pytest.xfail(
            f"known bug (test_fault_injection.py::test_answers_lost_on_every_sdk_attempt_are_a_"
            f"json_503_and_the_retry_settles_once): {len(errors)} x HTTP 500 internal_error "
            f"after a DynamoDB call whose answers were lost on every SDK attempt; logged causes "
            f"{dict(causes)}; e.g. {_short(errors, 2)}")
