"""What the leaderboard tests share: players who score through the real game (API
catches, the map's position), walk attributes written raw (as the map will write them),
and reading a board."""
import os

import boto3

from geocritters.game import boards
from geocritters.game.geo import encode
from tests.support.api_calls import throw
from tests.support.nearby import spawns_around

# Where the board players play: a region of their own per test run is not needed (the
# namespace keeps players apart), but the board is shared, so tests compare their own rows.
HOME = (48.8566, 2.3522)
REGION = encode(*HOME, 4)


def players_table():
    client = boto3.client("dynamodb")
    return client, os.environ["PLAYERS_TABLE"]


def show_position(api, token, lat=HOME[0], lng=HOME[1]):
    status, body, _ = api.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token)
    assert status == 200, body


def catch(api, token, wanted: int, tag: str) -> int:
    """Throw at spawns around HOME until ``wanted`` creatures are caught; returns the
    number caught (exactly ``wanted``). Outcomes depend on the encounter's random id, so
    a 200 m circle whose few spawns all flee failed now and then; 400 m holds several
    times more, and any two of them are under 1 km apart (no travel cooldown)."""
    caught = 0
    for n, spawn in enumerate(spawns_around(*HOME, radius_m=400)):
        status, encounter, _ = api.call("POST", "/v1/encounters", {
            "spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}, token=token)
        if status == 409:  # this player already caught it, or it fled
            continue
        assert status == 201, encounter
        for t in range(30):
            status, body, _ = throw(api, token, encounter["encounter_id"], f"{tag}-{n}-{t:02}")
            assert status == 200, body
            if body["outcome"] != "escaped":
                caught += body["outcome"] == "caught"
                break
        if caught == wanted:
            return caught
    raise AssertionError(f"caught only {caught} of {wanted} around {HOME}")


def walk(player_id: str, metres: float, now_ms: int) -> None:
    """The distance the map records (walk_week, walk_week_m), written raw."""
    client, table = players_table()
    client.update_item(
        TableName=table, Key={"player_id": {"S": player_id}},
        UpdateExpression="SET walk_week = :w, walk_week_m = :m",
        ExpressionAttributeValues={":w": {"N": str(boards.week_of(now_ms))},
                                   ":m": {"N": repr(float(metres))}})


def own_week(clock, weeks_ahead: int) -> None:
    """Move the clock to a week of the test's own: a closed mark is per week, and the
    LocalStack tier shares one database (and one start time) between all its tests."""
    clock.advance(weeks_ahead * boards.WEEK_MS)


def board(api, token, metric="caught", week="current", region=REGION):
    status, body, _ = api.call("GET", f"/v1/boards/{region}?metric={metric}&week={week}",
                               token=token)
    assert status == 200, body
    return body


def row(body, name):
    return next((r for r in body["top"] if r["name"] == name), None)
