"""``make bench-trades`` / ``python -m bench.trades``: a trade's confirmation (its
execution: one TransactWriteItems of 12 items) on DynamoDB Local, with enough samples
for a p99 (``make bench`` times every action 15 times: its p99 is the largest).

1. one after another: ``--trades`` confirmations (default 100), each of its own pair of
   friends with an offered trade (built through the use cases, never timed), through
   the trades function's handler as Lambda calls it (bench.game: an API Gateway event
   into ``app.app``), warm container; the first request, untimed, also gives the
   transaction's items and write units (by item sizes, and as DynamoDB Local reports
   them: it counts small items in one table as one, bench.capacity);
2. at once: ``--burst`` pairs (default 20) confirm their own trades together, one
   thread each calling the use case (Chalice keeps one current request per app, as
   Lambda runs one per container; bench.contention explains the set-up): distinct
   trades share no item, so every one must commit, none be cancelled. The threads
   share one interpreter: the latency is this machine's, a ceiling.

Prints a short table; writes build/bench/trades.json.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import threading
import time
from pathlib import Path

from bench import hooks  # registers the call-recording hooks before any session exists
from bench.stats import summary

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT_DIR / "build" / "bench"


def _log(*args):
    print(*args, flush=True)


def _transaction(calls, size_model) -> dict:
    """The one TransactWriteItems of a confirmation: items by kind; write units by item
    sizes (what DynamoDB bills) and as DynamoDB Local reported them (bench.capacity)."""
    (call,) = [c for c in calls.of("dynamodb") if c.operation == "TransactWriteItems"]
    kinds = collections.Counter(next(iter(entry)) for entry in call.params["TransactItems"])
    return {"items": sum(kinds.values()), "kinds": dict(sorted(kinds.items())),
            "wru": size_model.call_units(call, size_model.sizes_now(call))[1],
            "wru_emulator_raw": sum(float(c.get("CapacityUnits", 0)) for c in call.consumed),
            "ddb_calls": calls.of("dynamodb").names}


def one_after_another(h, n: int, size_model) -> dict:
    from bench.game import SCENARIO_BY_NAME

    scenario = SCENARIO_BY_NAME["trades.confirm"]

    def confirm(request):
        began = time.perf_counter()
        response = h.app(request.event(), h.lambda_context(scenario.feature))
        elapsed = (time.perf_counter() - began) * 1000
        if response["statusCode"] != 200:
            raise AssertionError(f"confirmation: {response['statusCode']} {response.get('body')}")
        return elapsed

    request = scenario.request(h)  # the warm-up: the container's clients, the shape
    with size_model.tracking(), hooks.consumed_capacity(), hooks.recording() as calls:
        confirm(request)
    shape = _transaction(calls, size_model)
    samples = []
    for _ in range(n):
        request = scenario.request(h)
        samples.append(confirm(request))
    return {"transaction": shape, "latency_ms": summary(samples)}


def at_once(h, n: int) -> dict:
    from geocritters.adapters import budget
    from geocritters.usecases import trades
    from infra.functions import FUNCTIONS

    timeout_ms = FUNCTIONS["trades"].timeout_s * 1000
    pairs = [h.offered_trade() for _ in range(n)]
    keys = [h.keyed("confirm-at-once") for _ in range(n)]
    start = threading.Barrier(n + 1)
    results: list = [None] * n

    def proposer(i):
        player_id, _, trade_id = pairs[i]
        start.wait()
        began = time.perf_counter()
        budget.start_request(timeout_ms)
        try:
            status = trades.confirm(h.ctx, player_id, trade_id, *keys[i])["status"]
        except Exception as error:  # reported, never hidden
            status = f"{type(error).__name__}: {error}"[:120]
        results[i] = (status, (time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=proposer, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    with hooks.recording() as calls:
        start.wait()
        for thread in threads:
            thread.join()
    sent = [c for c in calls.of("dynamodb") if c.operation == "TransactWriteItems"]
    return {"pairs": n, "completed": sum(1 for status, _ in results if status == "completed"),
            "outcomes": dict(collections.Counter(status for status, _ in results)),
            "transactions_sent": len(sent),
            "transactions_cancelled": sum(1 for c in sent if c.status != 200),
            "latency_ms": summary([ms for _, ms in results])}


def render(results: dict) -> str:
    seq, burst = results["one_after_another"], results["at_once"]
    shape, lat = seq["transaction"], seq["latency_ms"]
    kinds = ", ".join(f"{k} {v}" for k, v in shape["kinds"].items())
    lines = [
        f"trade confirmation on DynamoDB Local ({results['machine']}, commit {results['git_commit'][:10]})",
        f"  transaction: {shape['items']} items ({kinds}), {shape['wru']:.0f} WRU by item sizes "
        f"(DynamoDB Local reports {shape['wru_emulator_raw']:.0f}); DynamoDB calls {shape['ddb_calls']}",
        f"  one after another: p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, "
        f"min {lat['min']:.1f} ms of {lat['n']} (handler, warm container)",
    ]
    if burst:
        b = burst["latency_ms"]
        lines.append(f"  {burst['pairs']} pairs at once: {burst['completed']} completed, "
                     f"{burst['transactions_cancelled']} of {burst['transactions_sent']} transactions "
                     f"cancelled; p50 {b['p50']:.1f} ms, p99 {b['p99']:.1f} ms (one interpreter)")
    return "\n".join(lines)


def run(args) -> dict:
    import boto3

    from bench.__main__ import _clean_environment, _meta, _provision
    from bench.capacity import SizeModel
    from bench.dynamodb_local import DynamoDBLocal
    from bench.game import SECRET, STAGE, Harness, app_environment

    _clean_environment()
    os.environ.update(app_environment(STAGE))
    hooks.stub_secret(SECRET)
    meta = _meta()
    results = {"date": meta["date"], "git_commit": meta["git_commit"],
               "machine": f"{meta['machine']['nproc']} cores, Python {meta['machine']['python']}",
               "method": __doc__}
    with DynamoDBLocal(log=_log) as ddb, ddb.network():
        _log(f"DynamoDB Local on {ddb.endpoint_url} ({ddb.bind}), up in {ddb.started_s:.1f} s")
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = ddb.endpoint_url
        raw = boto3.session.Session().client("dynamodb", region_name="us-east-1",
                                             endpoint_url=ddb.endpoint_url)
        _provision(raw, STAGE)
        harness = Harness()
        try:
            began = time.perf_counter()
            results["one_after_another"] = one_after_another(harness, args.trades, SizeModel(raw))
            _log(f"  {args.trades} confirmations one after another ({time.perf_counter() - began:.1f} s "
                 "with set-up)")
            began = time.perf_counter()
            results["at_once"] = at_once(harness, args.burst) if args.burst else None
            _log(f"  {args.burst} at once ({time.perf_counter() - began:.1f} s with set-up)")
        finally:
            harness.close()
            os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trades", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trades", type=int, default=100, help="confirmations one after another")
    parser.add_argument("--burst", type=int, default=20, help="pairs confirming at once (0: none)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    began = time.perf_counter()
    results = run(args)
    results["total_s"] = round(time.perf_counter() - began, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "trades.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(render(results))
    print(f"written: {out / 'trades.json'} ({results['total_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
