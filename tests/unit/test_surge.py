"""The launch-surge model's rules (bench.surge.rules) and its input checks, on small
hand-checkable cases: the rules, not the output numbers."""
import itertools
import json
import math

import pytest

from bench.surge import curve, model, rules


def test_token_bucket_under_the_rate_serves_all_and_refills_to_the_burst():
    served, throttled, tokens = rules.token_bucket(10_000, 5_000, 1_000, 8_000, 60)
    assert (served, throttled) == (480_000, 0)
    assert tokens == 5_000  # 1,000 + 2,000/s x 60 s, capped at the bucket


def test_token_bucket_absorbs_a_short_overrun_from_the_burst():
    # 12,000/s for 2 s drains 2,000 x 2 = 4,000 of the 5,000 tokens: nothing refused
    served, throttled, tokens = rules.token_bucket(10_000, 5_000, 5_000, 12_000, 2)
    assert (served, throttled, tokens) == (24_000, 0, 1_000)


def test_token_bucket_refuses_what_the_rate_and_the_burst_cannot_cover():
    # 15,000/s for 60 s: the bucket empties after 1 s (5,000 / 5,000 per s), then 10,000/s
    served, throttled, tokens = rules.token_bucket(10_000, 5_000, 5_000, 15_000, 60)
    assert served == 15_000 * 1 + 10_000 * 59
    assert throttled == 15_000 * 60 - served == 295_000
    assert tokens == 0


def test_on_demand_serves_its_floor_until_a_peak_is_30_minutes_old():
    served = [4_000.0] * 40
    assert rules.on_demand_ceiling(served, 0, 4_000) == 4_000
    assert rules.on_demand_ceiling(served, 29, 4_000) == 4_000  # minute 0's peak is 29 min old
    assert rules.on_demand_ceiling(served, 30, 4_000) == 8_000  # ... now 30: settled
    assert rules.on_demand_ceiling(served, 35, 4_000) == 8_000


def test_on_demand_ceiling_is_twice_the_highest_settled_peak_never_below_the_floor():
    served = [1_000.0, 9_000.0, 2_000.0] + [0.0] * 40
    assert rules.on_demand_ceiling(served, 30, 4_000) == 4_000  # 2 x 1,000 < floor
    assert rules.on_demand_ceiling(served, 31, 4_000) == 18_000  # 2 x 9,000
    assert rules.on_demand_ceiling(served, 31, 40_000) == 40_000  # pre-warmed higher


def test_a_function_adds_at_most_6000_environments_a_minute():
    per_minute = 1_000 * 6  # 1,000 per 10 s
    assert rules.lambda_environments(7_000, 0, per_minute) == 6_000
    assert rules.lambda_environments(7_000, 6_000, per_minute) == 7_000
    assert rules.lambda_environments(500, 6_000, per_minute) == 500  # idle ones go
    assert rules.lambda_environments(7_000, 0, per_minute, cap=160) == 160  # reserved


def test_concurrency_is_rate_times_duration():
    assert rules.concurrency(1_000, 20) == 20
    assert rules.concurrency(0, 20) == 0


def test_partitions_are_the_fewest_that_carry_the_units():
    assert rules.partitions(0, 0) == 1
    assert rules.partitions(1_000, 0) == 1
    assert rules.partitions(1_001, 0) == 2
    assert rules.partitions(500, 9_001) == 4


def test_the_curve_rises_to_the_peak_region_by_region():
    players = curve.players(1_000, minutes=240)
    assert players[0] < 10  # the first region opens near zero
    assert all(b >= a for a, b in itertools.pairwise(players))
    assert 95 < players[50] < 115  # the first region (10 %) is in, the second barely started
    assert math.isclose(players[-1], 1_000, rel_tol=0.02)
    assert curve.players(5_000)[100] == pytest.approx(5 * curve.players(1_000)[100])


def _results():
    row = {"feature": "map", "cost": {"billed_duration_ms": 10}, "log_bytes": 0,
           "units_by_table": {"players": {"rru": 0, "wru": 1}}}
    return {"meta": {"date": "x", "git_commit": "0" * 40}, "actions": {"map": row},
            "cold_start": {}}


def _mix(**overrides):
    mix = {"format": model.MIX_FORMAT,
           "per_player_per_minute": {"map": {"rate": 6, "why": "every 10 s"}},
           "per_session": {}, "session_minutes": {"value": 30},
           "authorizer": {"calls_per_player_per_minute": 0, "duration_ms": 5},
           "stream": {"board_writes_per_action": {}, "wru_per_board_write": 2},
           "cache_refresh": {"events_rru_per_refresh": 0.5, "events_ttl_s": 60,
                             "cells_rru_per_refresh": 1, "cells_ttl_s": 60},
           "hot_spots": {"landmark_share": {"value": 0}, "region_share": {"value": 0}}}
    mix.update(overrides)
    return mix


def test_a_missing_bench_file_says_which_command_makes_it(tmp_path):
    with pytest.raises(model.InputError, match="make bench"):
        model.load_results(tmp_path / "results.json")


def test_a_bench_file_without_per_table_units_is_refused(tmp_path):
    results = _results()
    del results["actions"]["map"]["units_by_table"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    with pytest.raises(model.InputError, match="per-table"):
        model.load_results(path)


def test_an_action_that_calls_no_table_is_read_as_zero_units(tmp_path):
    results = _results()
    results["actions"]["gamedata"] = {**results["actions"]["map"], "feature": "gamedata",
                                      "units_by_table": {}}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    assert model.load_results(path)["actions"]["gamedata"]["units_by_table"] == {}


def test_a_mix_naming_an_unknown_action_is_refused(tmp_path):
    path = tmp_path / "mix.json"
    path.write_text(json.dumps(_mix(per_player_per_minute={"teleport": {"rate": 1}})))
    with pytest.raises(model.InputError, match="teleport"):
        model.load_mix(path, _results()["actions"])
    path.write_text(json.dumps(_mix(per_player_per_minute={"map": {"rate": -1}})))
    with pytest.raises(model.InputError, match="rate"):
        model.load_mix(path, _results()["actions"])


def test_a_swarm_mix_in_the_same_format_is_accepted(tmp_path):
    path = tmp_path / "swarm.json"
    path.write_text(json.dumps(_mix()))
    assert model.load_mix(path, _results()["actions"])["per_player_per_minute"]["map"]["rate"] == 6


def test_simulate_hits_the_api_throttle_exactly_when_requests_outrun_rate_and_burst():
    functions = {"map": model.Function("map", 1024, 10_000, True)}
    # 6 calls a minute = 0.1 rps per player: 100,000 players = 10,000 rps (at the rate),
    # 110,000 = 11,000 rps: the 5,000 burst lasts 5 s, then 429s
    run = model.simulate([100_000, 100_000, 110_000], 1, _results(), _mix(), functions)
    limit = run.limits["apigw.account"]
    assert limit.first_minute == 2
    assert run.minutes[1]["api_throttled_per_s"] == 0
    assert run.minutes[2]["api_throttled_per_s"] == pytest.approx((1_000 * 60 - 5_000) / 60)


def test_simulate_finds_the_two_x_rule_before_the_table_quota():
    functions = {"map": model.Function("map", 1024, 10_000, True)}
    # 1 WRU per map call, 0.1 calls/s per player: 50,000 players = 5,000 WRU > 4,000
    run = model.simulate([30_000, 50_000], 1, _results(), _mix(), functions)
    assert run.limits["ddb.2x.players"].first_minute == 1
    assert run.limits["ddb.quota.players"].first_minute is None
    # pre-warmed to 10,000 WRU, the same minutes pass
    warm = model.simulate([30_000, 50_000], 1, _results(), _mix(), functions,
                          ddb_floor={"players": (10_000, 12_000)})
    assert warm.limits["ddb.2x.players"].first_minute is None
