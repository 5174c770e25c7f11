"""Raids over the API: three players join, win, and each claims the boss once."""
from tests.support.game_state import edit_player, give_creature, player
from tests.support.nearby import a_raid


def _raider(api, device, n):
    player_id, token = api.login(device)
    edit_player(player_id, team="blue", xp=10_000, items={"ball": 5, "raid_pass": 1})
    team = [give_creature(player_id, n * 10 + i, species_id=30 + i, level=35.0).creature_id
            for i in range(3)]
    return player_id, token, team


def _post(api, token, path, body, key):
    return api.call("POST", path, body, token=token, headers={"Idempotency-Key": key})


def test_three_players_win_a_raid_and_each_claims_one_boss_encounter(api, clock):
    raid, gym = a_raid(clock)
    raiders = [_raider(api, f"device-raid-{n}", n) for n in range(3)]
    for n, (_, token, team) in enumerate(raiders):
        status, joined, _ = _post(api, token, f"/v1/raids/{raid.raid_id}/join",
                                  {"creature_ids": team, "lat": gym.lat, "lng": gym.lng},
                                  f"join-{n:04d}")
        assert status == 200 and joined["lobby"] == 1 and joined["members"] == n + 1, joined
    status, again, _ = _post(api, raiders[0][1], f"/v1/raids/{raid.raid_id}/join",
                             {"creature_ids": raiders[0][2], "lat": gym.lat, "lng": gym.lng},
                             "join-again")
    assert status == 409 and again["error"]["code"] == "already_in_raid"

    status, early, _ = _post(api, raiders[0][1], f"/v1/raids/{raid.raid_id}/claim", None, "claim-early")
    assert status == 409 and early["error"]["code"] == "raid_not_finished"
    clock.advance(120_000)
    for player_id, token, _ in raiders:
        status, claim, _ = _post(api, token, f"/v1/raids/{raid.raid_id}/claim", None, "claim-0001")
        assert status == 200 and claim["won"] and claim["premier_balls"] >= 5, claim
        assert _post(api, token, f"/v1/raids/{raid.raid_id}/claim", None, "claim-0001")[:2] == (200, claim)
        status, twice, _ = _post(api, token, f"/v1/raids/{raid.raid_id}/claim", None, "claim-0002")
        assert status == 409 and twice["error"]["code"] == "raid_reward_claimed"
        encounter_id = claim["encounter"]["encounter_id"]
        outcome = None
        for t in range(claim["premier_balls"]):
            status, thrown, _ = _post(api, token, f"/v1/encounters/{encounter_id}/throws",
                                      {"ball": "premier_ball"}, f"throw-{t:04d}")
            assert status == 200, thrown
            outcome = thrown["outcome"]
            if outcome in ("caught", "fled"):
                break
        assert outcome in ("caught", "fled")
        assert player(player_id).items["ball"] == 5  # the bag's balls untouched
    status, view, _ = api.call("GET", f"/v1/raids/{raid.raid_id}", token=raiders[0][1])
    assert status == 200 and view["lobby"]["claimed"] and view["lobby"]["result"]["won"]
