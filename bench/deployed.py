"""Latency of the deployed form on LocalStack (``make test-deployed`` runs it right after
the deploy, when every function is cold): each call of a player's session through API
Gateway -> authorizer -> function, first (cold) and then warm (median and p99 of N).

    python -m bench.deployed <api stage URL> [--warm 10]

Figures from LocalStack's host executor on this machine, not from AWS: they show what
the deployed form costs here (process start, layer import) relative to warm calls."""
from __future__ import annotations

import argparse
import statistics
import time
import uuid

from devtools.play import Client


def timed(client: Client, method: str, path: str, body=None, key=None):
    started = time.perf_counter()
    status, answer = client.call(method, path, body, key=key)
    return (time.perf_counter() - started) * 1000, status, answer


def session_calls(client: Client, lat: float, lng: float):
    """(label, method, path, body, key) of one short session; later steps depend on what
    the map showed."""
    yield "POST /v1/auth/guest", "POST", "/v1/auth/guest", {"device_id": f"bench-{uuid.uuid4().hex[:12]}"}, None
    yield "GET /v1/me", "GET", "/v1/me", None, None
    yield "GET /v1/map", "GET", f"/v1/map?lat={lat}&lng={lng}", None, None
    yield "GET /v1/me/creatures", "GET", "/v1/me/creatures", None, None


def run(url: str, warm: int, lat: float, lng: float, out=print) -> dict:
    samples: dict[str, list[float]] = {}
    cold: dict[str, float] = {}

    def record(label: str, ms: float, round_number: int) -> None:
        if round_number == 0:
            cold[label] = ms  # right after the deploy: every function's first call
        else:
            samples.setdefault(label, []).append(ms)

    for round_number in range(warm + 1):
        client = Client(url)
        for label, method, path, body, key in session_calls(client, lat, lng):
            ms, status, answer = timed(client, method, path, body, key)
            assert status == 200, (label, status, answer)
            record(label, ms, round_number)
            if label == "POST /v1/auth/guest":
                client.token = answer["token"]
            if label == "GET /v1/map" and answer["stops"]:
                stop = answer["stops"][0]
                ms, status, spun = timed(client, "POST", f"/v1/stops/{stop['id']}/spin",
                                         {"lat": stop["lat"], "lng": stop["lng"]}, uuid.uuid4().hex)
                assert status == 200, spun
                record("POST /v1/stops/{id}/spin", ms, round_number)
    out(f"{'call':28} {'cold ms':>8} {'warm p50':>9} {'warm p99':>9}  (n={warm})")
    figures = {}
    for label, values in samples.items():
        values.sort()
        p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
        figures[label] = {"cold_ms": round(cold.get(label, float("nan")), 1),
                          "warm_p50_ms": round(statistics.median(values), 1), "warm_p99_ms": round(p99, 1)}
        out(f"{label:28} {figures[label]['cold_ms']:8.0f} {figures[label]['warm_p50_ms']:9.0f} "
            f"{figures[label]['warm_p99_ms']:9.0f}")
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--warm", type=int, default=10)
    parser.add_argument("--lat", type=float, default=40.758)
    parser.add_argument("--lng", type=float, default=-73.9855)
    args = parser.parse_args(argv)
    run(args.url, args.warm, args.lat, args.lng)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
