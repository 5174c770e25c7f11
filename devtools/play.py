"""A scripted player against a running backend (``make run``): logs in, reads the map,
walks to spawns and throws until something is caught, spins a stop, lists the catch.

It plays through the Python SDK (clients/python, installed with the venv): the typed
models generated from docs/openapi.json, the session's login, idempotency keys and
retries, refusals as typed exceptions. It doubles as the SDK's example.

``Client`` is the form the other scripted sessions and bench/deployed.py build on: the
SDK's transport and ``local()`` timeouts, by method and path, answers as (status, JSON).
"""
import argparse
import sys
import uuid

from geocritters_sdk import Session, errors, local, models
from geocritters_sdk.generated.api.catching import start_encounter, throw_ball
from geocritters_sdk.generated.api.collection import list_creatures
from geocritters_sdk.generated.api.map_ import view_map
from geocritters_sdk.generated.api.stops import spin_stop


class Client:
    """A player by method and path, on an SDK ``Session`` (``self.session``).

    - ``call(method, path, body, key)``: one attempt exactly as given, with ``token``:
      (status, JSON). What bench/deployed.py times and what the scripts read the
      server's answers with.
    - ``act(method, path, body)``: an action by the SDK's rules (a fresh Idempotency-Key
      reused on every retry, Retry-After honoured, token renewed): (status, JSON), a
      refusal as its ``{"error": ...}`` body.
    - ``device_id``: the player the session logs in as (``login()``, and again when the
      token runs out); without it, set ``token`` by hand.
    """

    def __init__(self, url: str, device_id: str | None = None, settings=None):
        self.url = url.rstrip("/")
        self.session = Session(settings or local(self.url), device_id=device_id)

    @property
    def token(self) -> str | None:
        return self.session.token

    @token.setter
    def token(self, value: str | None) -> None:
        self.session.token = value

    @property
    def player_id(self) -> str | None:
        return self.session.player_id

    def login(self) -> None:
        self.session.login()

    def call(self, method: str, path: str, body=None, key: str | None = None):
        response = self.session.send(method, path, body, idempotency_key=key)
        return response.status_code, (response.json() if response.content else None)

    def act(self, method: str, path: str, body=None):
        try:
            response = self.session.fetch(method, path, body, action=True)
        except errors.ApiError as refused:
            return refused.status, {"error": {"code": refused.code, "message": refused.message}}
        return response.status_code, (response.json() if response.content else None)


def _spin_first_stop(game: Session, seen: models.MapResponse, out) -> None:
    if not seen.stops:
        return
    stop = seen.stops[0]
    try:
        spun = game.call(spin_stop, stop_id=stop.id, body=models.SpinRequest(lat=stop.lat, lng=stop.lng))
    except errors.ApiError as refused:
        out(f"spun {stop.name}: {refused.status} {refused.code}")
        return
    out(f"spun {stop.name}: 200 items={spun.items.to_dict()} xp={spun.xp}")


def _catch(game: Session, spawn: models.MapSpawn, out) -> models.Creature | None:
    """Throws at ``spawn`` until it is caught or gone: the creature, or None."""
    try:
        encounter = game.call(start_encounter, body=models.EncounterRequest(
            spawn_id=spawn.id, lat=spawn.lat, lng=spawn.lng))
    except errors.ApiError:
        return None  # gone, or out of reach: the next one
    out(f"encounter: {encounter.species_name} CP {encounter.cp}")
    throw = models.ThrowRequest(ball=models.ThrowRequestBall.BALL, throw=models.ThrowQuality.GREAT,
                                curveball=True)
    for _ in range(20):
        try:
            result = game.call(throw_ball, encounter_id=encounter.encounter_id, body=throw)
        except errors.ApiError as refused:
            out(f"  throw: {refused.status} {refused.code}")
            return None
        out(f"  throw: 200 {result.outcome}")
        if result.outcome == models.ThrowResponseOutcome.CAUGHT:
            return result.creature
        if result.outcome != models.ThrowResponseOutcome.ESCAPED:
            return None
    return None


def play(url: str, lat: float, lng: float, out=print) -> int:
    with Session(local(url), device_id=f"play-{uuid.uuid4().hex[:12]}") as game:
        login = game.login()
        out(f"logged in as {login.player_id}")
        caught = None
        for step in range(60):
            here_lat, here_lng = lat + 0.0006 * (step % 8), lng + 0.0006 * (step // 8)
            seen = game.call(view_map, lat=here_lat, lng=here_lng)
            if step == 0:
                out(f"map at {seen.geohash}: {len(seen.spawns)} spawns in sight, {len(seen.nearby)} nearby, "
                    f"{len(seen.stops)} stops, {len(seen.gyms)} gyms")
                _spin_first_stop(game, seen, out)
            for spawn in seen.spawns:
                caught = _catch(game, spawn, out)
                if caught:
                    break
            if caught:
                break
        listing = game.call(list_creatures)
        out(f"collection: {[f'{c.species_name} CP {c.cp}' for c in listing.creatures]}")
    return 0 if caught else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--lat", type=float, default=40.758)
    parser.add_argument("--lng", type=float, default=-73.9855)
    args = parser.parse_args(argv)
    return play(args.url, args.lat, args.lng)


if __name__ == "__main__":
    sys.exit(main())
