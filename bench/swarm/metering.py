"""Every HTTP request the SDK sends, reported to Locust and recorded for the report.

The SDK's ``Session`` takes an httpx transport; ``MeteredTransport`` wraps the real one,
so each attempt (a retry included, and the logins the session makes by itself) is one
Locust request named by its route template ("GET" + "/v1/map"), with its response time
and, for a refusal, an exception whose text is the status and the error code
("409 stop_cooling_down"): Locust's failure table is then errors by code per route.

The same place records what the report needs and Locust does not keep: per successful
request, the benchmarked action it is (bench/game.py SCENARIOS' names, for the action mix)
and the DynamoDB partition keys it touched as far as the client can tell (map cell, gyms
in view, the player), for the hot-key estimate.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter

import httpx

# (method, route template) -> the benchmarked action a success of it is (bench/game.py).
# GET /v1/map is decided per call (the clock minute's first one also writes the walk
# sample: map.new_minute) and GET /v1/game-data by its status (304: not modified).
ROUTE_ACTIONS = {
    ("POST", "/v1/auth/guest"): "auth",
    ("GET", "/v1/me"): "player",
    ("GET", "/v1/map"): "map",
    ("POST", "/v1/encounters"): "encounter",
    ("POST", "/v1/encounters/{encounter_id}/throws"): "catch",
    ("POST", "/v1/stops/{stop_id}/spin"): "spin",
    ("GET", "/v1/me/items"): "items",
    ("GET", "/v1/me/creatures"): "creatures",
    ("POST", "/v1/me/creatures/{creature_id}/transfer"): "creatures.transfer",
    ("GET", "/v1/gyms/{gym_id}"): "gyms",
    ("GET", "/v1/raids/{raid_id}"): "raids",
    ("GET", "/v1/me/eggs"): "eggs",
    ("GET", "/v1/game-data"): "gamedata",
    ("GET", "/v1/boards/{region}"): "boards",
}

# The API's paths (docs/openapi.json), most specific first: a literal segment beats a
# parameter ("/v1/me/creatures" is not "/v1/gyms/{gym_id}").
_PATHS = [
    "/v1/auth/guest", "/v1/me", "/v1/me/team", "/v1/map", "/v1/encounters",
    "/v1/encounters/{encounter_id}/throws", "/v1/stops/{stop_id}/spin", "/v1/gyms/{gym_id}",
    "/v1/gyms/{gym_id}/defenders", "/v1/gyms/{gym_id}/berries", "/v1/gyms/{gym_id}/spin",
    "/v1/gyms/{gym_id}/battles", "/v1/me/items", "/v1/me/creatures",
    "/v1/me/creatures/{creature_id}/transfer", "/v1/me/creatures/{creature_id}/evolve",
    "/v1/me/creatures/{creature_id}/power-up", "/v1/me/defenders", "/v1/me/defenders/claim",
    "/v1/raids/{raid_id}", "/v1/raids/{raid_id}/join", "/v1/raids/{raid_id}/claim",
    "/v1/me/friends", "/v1/me/friend-requests", "/v1/friend-requests",
    "/v1/friend-requests/{request_id}/accept", "/v1/friend-requests/{request_id}/decline",
    "/v1/friend-requests/{request_id}/cancel", "/v1/me/friends/{friend_id}/remove",
    "/v1/me/gifts", "/v1/me/friends/{friend_id}/gifts", "/v1/me/gifts/{gift_id}/open",
    "/v1/trades", "/v1/me/trades", "/v1/trades/{trade_id}", "/v1/trades/{trade_id}/offer",
    "/v1/trades/{trade_id}/confirm", "/v1/trades/{trade_id}/cancel", "/v1/me/eggs",
    "/v1/me/eggs/{egg_id}/incubate", "/v1/me/eggs/{egg_id}/hatch", "/v1/me/buddy",
    "/v1/me/buddy/candy", "/v1/game-data", "/v1/boards/{region}", "/v1/admin/events",
    "/v1/admin/events/{event_id}",
]


def _compile(template: str):
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


_MATCHERS = sorted(((template, _compile(template)) for template in _PATHS),
                   key=lambda pair: pair[0].count("{"))


def route_of(path: str) -> tuple[str, dict]:
    """(route template, path parameters) of a request path; an unknown path is its own name."""
    for template, matcher in _MATCHERS:
        found = matcher.match(path)
        if found:
            return template, found.groupdict()
    return path, {}


class Refused(Exception):
    """A non-2xx answer as Locust records it: its repr is the failure table's Error column."""

    def __init__(self, status: int, code: str):
        super().__init__(f"{status} {code}")
        self.status, self.code = status, code

    def __repr__(self) -> str:
        return f"{self.status} {self.code}"


def error_code(status: int, content: bytes) -> str:
    try:
        return str(json.loads(content)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return f"http_{status}"


class Recorder:
    """What the swarm did, for the report: actions (successes, by benchmarked action),
    refusals by code, partition keys touched, and player-seconds played."""

    def __init__(self):
        self.actions: Counter = Counter()
        self.refusals: Counter = Counter()
        # (action, family, key) -> successful requests: family is the kind of partition
        # key (cell, gym, raid, player, region), as the tables are keyed.
        self.keys: Counter = Counter()
        self.sessions = 0
        self.player_seconds = 0.0
        self._playing: dict[int, float] = {}

    def started(self, user_id: int) -> None:
        self.sessions += 1
        self._playing[user_id] = time.monotonic()

    def stopped(self, user_id: int) -> None:
        began = self._playing.pop(user_id, None)
        if began is not None:
            self.player_seconds += time.monotonic() - began

    def snapshot(self) -> dict:
        """The totals so far, the players still playing counted up to now; resets them (a
        worker sends a snapshot to the master every few seconds: they add up)."""
        now = time.monotonic()
        seconds = self.player_seconds + sum(now - began for began in self._playing.values())
        self._playing = dict.fromkeys(self._playing, now)
        data = {"actions": dict(self.actions), "refusals": dict(self.refusals),
                "keys": [[action, family, key, n] for (action, family, key), n in self.keys.items()],
                "sessions": self.sessions, "player_seconds": seconds}
        self.actions, self.refusals, self.keys = Counter(), Counter(), Counter()
        self.sessions, self.player_seconds = 0, 0.0
        return data


def merge(total: dict, part: dict) -> dict:
    """Adds a snapshot to a running total (both in ``Recorder.snapshot``'s form)."""
    if not total:
        total.update(actions={}, refusals={}, keys={}, sessions=0, player_seconds=0.0)
    for name in ("actions", "refusals"):
        for key, n in part[name].items():
            total[name][key] = total[name].get(key, 0) + n
    for action, family, key, n in part["keys"]:
        slot = f"{action}\t{family}\t{key}"
        total["keys"][slot] = total["keys"].get(slot, 0) + n
    total["sessions"] += part["sessions"]
    total["player_seconds"] += part["player_seconds"]
    return total


class MeteredTransport(httpx.BaseTransport):
    """One player's transport: times each request, fires Locust's request event, records
    the action and the keys. ``fire``: ``environment.events.request.fire``."""

    def __init__(self, fire, recorder: Recorder, inner: httpx.BaseTransport | None = None):
        self._fire, self._recorder = fire, recorder
        self._inner = inner or httpx.HTTPTransport()
        self.player_id: str | None = None
        self.cell: str | None = None  # the geohash-6 cell of the last map read
        self._map_minute: int | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method
        template, params = route_of(request.url.path)
        began = time.perf_counter()
        try:
            response = self._inner.handle_request(request)
            content = response.read()
        except Exception as error:
            self._fire(request_type=method, name=template, exception=error, context={},
                       response_time=(time.perf_counter() - began) * 1000, response_length=0)
            raise
        elapsed = (time.perf_counter() - began) * 1000
        status = response.status_code
        exception = None
        if status >= 400:
            exception = Refused(status, error_code(status, content))
            self._recorder.refusals[f"{method} {template}\t{exception.code}"] += 1
        else:
            self._record(method, template, params, request, status, content)
        self._fire(request_type=method, name=template, response_time=elapsed,
                   response_length=len(content), exception=exception, context={})
        return response

    def close(self) -> None:
        self._inner.close()

    def _record(self, method, template, params, request, status, content) -> None:
        action = ROUTE_ACTIONS.get((method, template))
        if action is None:
            return
        body = None
        if content and (template in ("/v1/map", "/v1/auth/guest")):
            body = json.loads(content)
        if template == "/v1/auth/guest":
            self.player_id = body.get("player_id")
        keys: list[tuple[str, str]] = []
        if action == "map":
            minute = int(time.time() // 60)
            if minute != self._map_minute:
                action, self._map_minute = "map.new_minute", minute
            self.cell = str(body.get("geohash", ""))[:6] or self.cell
            keys += [("gym", gym["id"]) for gym in body.get("gyms", [])]
        if action == "gamedata" and status == 304:
            action = "gamedata.not_modified"
        if self.cell:
            keys.append(("cell", self.cell))
        if "gym_id" in params:
            keys.append(("gym", params["gym_id"]))
        if "raid_id" in params:
            keys.append(("raid", params["raid_id"]))
        if "region" in params:
            keys.append(("region", params["region"]))
        if self.player_id:
            keys.append(("player", self.player_id))
        self._recorder.actions[action] += 1
        for family, key in keys:
            self._recorder.keys[(action, family, key)] += 1
