"""The CPU phase of ``make bench`` replays each scenario's recorded request with botocore
answering from the recorded responses (bench.hooks.replaying, bench.actions.cpu). A
replay that hands a call another call's response fails the whole run minutes in: the
board read's shard queries did (up to 24 Queries of one table in flight at once, handed
the responses in arrival order). The recordings come from moto (tests/bench/conftest.py)
and are replayed with moto gone, as the benchmark replays them with DynamoDB Local
stopped.
"""
import copy
import random

from bench import hooks
from bench.actions import cpu
from bench.game import GENEROUS_TIMEOUT_MS, SCENARIO_BY_NAME


def _replay(harness, name, recorded, responses=None):
    """The app's response to the recorded event, answered from ``responses`` (the
    recorded ones by default), and the canned responses left unused."""
    context = harness.lambda_context(SCENARIO_BY_NAME[name].feature, GENEROUS_TIMEOUT_MS)
    with hooks.replaying(recorded["responses"] if responses is None else responses) as left:
        response = harness.app(copy.deepcopy(recorded["event"]), context)
    return response, list(left)


def test_every_scenario_replays_cold_and_warm(bench_run):
    with bench_run.replaying() as harness:
        figures = cpu(harness, bench_run.recordings, rounds=2, cold_rounds=1, budget_s=0.0, min_rounds=2)
    assert set(figures) == set(bench_run.recordings) == set(SCENARIO_BY_NAME)
    assert all(f["warm"]["n"] == 2 and f["cold"]["n"] == 1 for f in figures.values())


def test_a_board_read_replays_whatever_order_its_queries_arrive_in(bench_run):
    cold, warm = bench_run.recordings["boards"]["cold"], bench_run.recordings["boards"]["warm"]
    queries = [r for r in warm["responses"] if r["operation"] == "Query"]
    # The case that matters: many Queries of one table, told apart only by their bodies
    # (the shard, Select=COUNT or items, direction, limit).
    assert len(queries) >= 8 and len({q["request"] for q in queries}) == len(queries)
    assert len({tuple(q["tables"]) for q in queries}) == 1

    with bench_run.replaying() as harness:
        warmed, _ = _replay(harness, "boards", cold)  # a warm container for what follows
        in_order, left = _replay(harness, "boards", warm)
        assert (warmed["statusCode"], in_order["statusCode"], left) == (200, 200, []), in_order["body"]
        orders = [warm["responses"][::-1]] + [random.Random(seed).sample(warm["responses"], len(warm["responses"]))
                                             for seed in range(3)]
        for shuffled in orders:
            replayed, left = _replay(harness, "boards", warm, shuffled)
            assert (replayed["statusCode"], replayed["body"], left) == (200, in_order["body"], [])
