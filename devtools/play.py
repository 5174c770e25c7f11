"""A scripted player against a running backend (``make run``): logs in, reads the map,
walks to spawns and throws until something is caught, spins a stop, lists the catch.

Standard library only, so it doubles as an example client.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid


class Client:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.token = None

    def call(self, method: str, path: str, body=None, key: str | None = None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)


def play(url: str, lat: float, lng: float, out=print) -> int:
    client = Client(url)
    status, login = client.call("POST", "/v1/auth/guest", {"device_id": f"play-{uuid.uuid4().hex[:12]}"})
    assert status == 200, login
    client.token = login["token"]
    out(f"logged in as {login['player_id']}")

    caught = None
    for step in range(60):
        here_lat, here_lng = lat + 0.0006 * (step % 8), lng + 0.0006 * (step // 8)
        status, seen = client.call("GET", f"/v1/map?lat={here_lat}&lng={here_lng}")
        assert status == 200, seen
        if step == 0:
            out(f"map at {seen['geohash']}: {len(seen['spawns'])} spawns in sight, "
                f"{len(seen['nearby'])} nearby, {len(seen['stops'])} stops, {len(seen['gyms'])} gyms")
            stop = seen["stops"][0] if seen["stops"] else None
            if stop:
                status, spun = client.call("POST", f"/v1/stops/{stop['id']}/spin",
                                           {"lat": stop["lat"], "lng": stop["lng"]}, key=uuid.uuid4().hex)
                out(f"spun {stop['name']}: {status} {spun}")
        for spawn in seen["spawns"]:
            status, encounter = client.call("POST", "/v1/encounters",
                                            {"spawn_id": spawn["id"], "lat": spawn["lat"], "lng": spawn["lng"]})
            if status != 201:
                continue
            out(f"encounter: {encounter['species_name']} CP {encounter['cp']}")
            for _ in range(20):
                status, result = client.call("POST", f"/v1/encounters/{encounter['encounter_id']}/throws",
                                             {"ball": "ball", "throw": "great", "curveball": True},
                                             key=uuid.uuid4().hex)
                out(f"  throw: {status} {result.get('outcome', result)}")
                if status != 200 or result["outcome"] != "escaped":
                    break
            if status == 200 and result["outcome"] == "caught":
                caught = result["creature"]
                break
        if caught:
            break
    status, listing = client.call("GET", "/v1/me/creatures")
    out(f"collection: {[c['species_name'] + ' CP ' + str(c['cp']) for c in listing['creatures']]}")
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
