"""The raid operations (and the Premier Ball throws) against docs/openapi.json: a scripted
session (the Contract of test_openapi_contract.py) where every answer, success or
refusal, is checked against the documented response for its status, and every refusal's
code against the status's ``x-error-codes``. Three players join a tier-1 raid, win it,
claim the boss and throw their Premier Balls; the refusals come on the way."""
import json

import pytest

from geocritters import bootstrap
from geocritters.game.raids import raid_in_window
from tests.api.test_openapi_contract import SPEC_PATH, Contract, _key, _operations
from tests.support.game_state import edit_player, give_creature
from tests.support.nearby import a_spawn
from tests.support.raid_state import tier_one_raid

LEVEL_5_XP = 10_000
BOSS_BEATER = 39  # species strong enough, at level 35-40, for three players to beat a tier-1 boss


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def _raider(api, device, n, passes=1):
    player_id, token = api.login(device)
    edit_player(player_id, team="blue", xp=LEVEL_5_XP, items={"ball": 5, "raid_pass": passes})
    team = [give_creature(player_id, n * 10 + i, species_id=BOSS_BEATER, level=35.0 + i * 2.5).creature_id
            for i in range(3)]
    return player_id, token, team


def _egg_raid(gym, now_ms):
    """Another window's raid at ``gym`` that is still an egg (or not yet there) at ``now_ms``:
    the raid of a later window, within a week."""
    ctx = bootstrap.game_context()
    window = now_ms // ctx.config.raid_window_ms
    for ahead in range(1, 7 * 24):
        raid = raid_in_window(ctx.keys.spawns, gym, window + ahead, ctx.config)
        if raid is not None:
            return raid
    raise AssertionError("no later raid at this gym in a week")


def test_raid_session_conforms_to_the_document(api, clock, spec):
    c = Contract(api, spec)
    raid, gym = tier_one_raid(clock)
    here = {"lat": gym.lat, "lng": gym.lng}
    base = f"/v1/raids/{raid.raid_id}"
    raiders = [_raider(api, f"raid-contract-{n}", n) for n in range(3)]
    _, first, first_team = raiders[0]
    _, passless, passless_team = _raider(api, "raid-contract-no-pass", 5, passes=0)

    # --- view, before joining --------------------------------------------------------------
    page = c.call("GET", base, token=first, expect=200)
    assert page["lobby"] is None and page["revision"] == 0, page
    assert (page["raid"]["phase"], page["raid"]["gym_id"], page["raid"]["tier"]) == ("battle", gym.id, 1), page
    c.call("GET", "/v1/raids/not-a-raid", token=first, expect=400, code="invalid_raid_id")
    c.call("GET", "/v1/raids/rd-0-gy-dr5ru7c-0", token=first, expect=404, code="raid_not_found")
    c.call("GET", base, expect=401)

    # --- join x3 ----------------------------------------------------------------------------
    join_key = _key("join")
    for n, (_, token, team) in enumerate(raiders):
        key = join_key if n == 0 else _key("join")
        joined = c.call("POST", f"{base}/join", {"creature_ids": team, **here}, token=token,
                        headers=key, expect=200)
        assert (joined["lobby"], joined["members"], joined["remote"]) == (1, n + 1, False), joined
    assert c.call("POST", f"{base}/join", {"creature_ids": first_team, **here}, token=first,
                  headers=join_key, expect=200)["members"] == 1  # replay
    c.call("POST", f"{base}/join", {"creature_ids": first_team[:1], **here}, token=first,
           headers=join_key, expect=422, code="idempotency_key_reused")
    c.call("POST", f"{base}/join", {"creature_ids": first_team, **here}, token=first,
           headers=_key("join"), expect=409, code="already_in_raid")
    c.call("POST", f"{base}/join", {"creature_ids": passless_team, **here}, token=passless,
           headers=_key("join"), expect=409, code="no_raid_pass")
    egg = _egg_raid(gym, clock.now_ms())
    c.call("POST", f"/v1/raids/{egg.raid_id}/join", {"creature_ids": passless_team, **here},
           token=passless, headers=_key("join"), expect=409, code="raid_not_started")
    c.call("POST", f"{base}/join", {"creature_ids": ["cr-0000000000000-0000000000"], **here},
           token=passless, headers=_key("join"), expect=404, code="creature_not_found")
    c.call("POST", f"{base}/join", {"creature_ids": passless_team[:1] * 2, **here}, token=passless,
           headers=_key("join"), expect=400, code="duplicate_creature")
    c.call("POST", f"{base}/join", {"creature_ids": passless_team * 3, **here}, token=passless,
           headers=_key("join"), expect=400, code="invalid_team_size")
    c.call("POST", f"{base}/join", {"creature_ids": passless_team, "lat": gym.lat}, token=passless,
           headers=_key("join"), expect=400, code="invalid_coordinates")
    c.call("POST", f"{base}/join", {"creature_ids": passless_team, **here, "raid_pass": 1},
           token=passless, headers=_key("join"), expect=400, code="unknown_field")
    c.call("POST", "/v1/raids/rd-01-gy-dr5ru7c-0/join", {"creature_ids": passless_team, **here},
           token=passless, headers=_key("join"), expect=400, code="invalid_raid_id")
    c.call("POST", "/v1/raids/rd-0-gy-dr5ru7c-0/join", {"creature_ids": passless_team, **here},
           token=passless, headers=_key("join"), expect=404, code="raid_not_found")
    c.call("POST", f"{base}/join", {"creature_ids": passless_team, **here}, token=passless,
           expect=400, code="missing_idempotency_key")
    c.call("POST", f"{base}/join", {"creature_ids": passless_team, **here}, headers=_key("join"),
           expect=401)
    page = c.call("GET", base, token=first, expect=200)
    assert (page["lobby"]["members"], page["lobby"]["result"], page["revision"]) == (3, None, 3), page

    # --- claim ------------------------------------------------------------------------------
    c.call("POST", f"{base}/claim", token=first, headers=_key("claim"), expect=409,
           code="raid_not_finished")
    c.call("POST", f"{base}/claim", token=passless, headers=_key("claim"), expect=404,
           code="not_in_raid")
    c.call("POST", f"{base}/claim", {"premier_balls": 12}, token=first, headers=_key("claim"),
           expect=400, code="unknown_field")
    c.call("POST", f"{base}/claim", token=first, expect=400, code="missing_idempotency_key")
    c.call("POST", "/v1/raids/rd-/claim", token=first, headers=_key("claim"), expect=400,
           code="invalid_raid_id")
    c.call("POST", f"{base}/claim", headers=_key("claim"), expect=401)
    clock.advance(120_000)
    claims = []
    for _, token, _ in raiders:
        claim_key = _key("claim")
        claim = c.call("POST", f"{base}/claim", token=token, headers=claim_key, expect=200)
        assert claim["won"] and claim["premier_balls"] >= 5, claim
        assert claim["encounter"]["premier_balls"] == claim["premier_balls"], claim
        assert c.call("POST", f"{base}/claim", {}, token=token, headers=claim_key,
                      expect=200) == claim  # replay
        c.call("POST", f"{base}/claim", token=token, headers=_key("claim"), expect=409,
               code="raid_reward_claimed")
        claims.append(claim)
    page = c.call("GET", base, token=first, expect=200)
    assert page["lobby"]["claimed"] and page["lobby"]["result"]["won"] and page["revision"] == 4, page

    # --- throws: Premier Balls at the boss, and nowhere else ---------------------------------
    boss = f"/v1/encounters/{claims[0]['encounter']['encounter_id']}/throws"
    c.call("POST", boss, {"ball": "ball"}, token=first, headers=_key("throw"), expect=409,
           code="premier_ball_only")
    outcome = None
    for _ in range(claims[0]["premier_balls"]):
        thrown = c.call("POST", boss, {"ball": "premier_ball", "throw": "excellent", "curveball": True},
                        token=first, headers=_key("throw"), expect=200)
        outcome = thrown["outcome"]
        if outcome in ("caught", "fled"):
            break
    assert outcome in ("caught", "fled"), outcome
    c.call("POST", boss, {"ball": "premier_ball"}, token=first, headers=_key("throw"), expect=409)
    spawn = a_spawn(gym.lat, gym.lng)
    wild = c.call("POST", "/v1/encounters", {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng},
                  token=raiders[1][1], expect=201)
    c.call("POST", f"/v1/encounters/{wild['encounter_id']}/throws", {"ball": "premier_ball"},
           token=raiders[1][1], headers=_key("throw"), expect=409, code="premier_ball_raid_only")
    c.call("POST", f"/v1/encounters/{wild['encounter_id']}/throws", {"ball": "ball"},
           token=raiders[1][1], headers=_key("throw"), expect=200)

    # --- every raid operation was seen succeeding and refusing -------------------------------
    for path, method, operation in _operations(spec):
        if "raids" not in operation.get("tags", []):
            continue
        statuses = c.seen[(path, method)]
        assert any(200 <= s < 300 for s in statuses), f"{method} {path}: no success exercised"
        assert any(400 <= s < 500 for s in statuses), f"{method} {path}: no refusal exercised"
