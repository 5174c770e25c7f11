"""Per-action figures: DynamoDB calls, round trips and capacity per request (cold and
warm container), latency on DynamoDB Local, and handler CPU on canned responses.

Cold container = after ``geocritters.bootstrap.reset()`` (settings, the secret, the SDK
clients and the curated-cell cache all dropped); warm = the next request in the same
process. Python's imports are NOT redone for "cold": import time is measured on its own
from the real package (bench.coldstart).
"""
from __future__ import annotations

import copy
import gc
import json
import time

from . import capacity, hooks
from .game import GENEROUS_TIMEOUT_MS, SCENARIOS, STAGE, Harness
from .stats import summary


def _check(scenario, status, body):
    if status != scenario.status:
        raise AssertionError(f"{scenario.name}: expected {scenario.status}, got {status}: {body}")


def count(harness: Harness, size_model: capacity.SizeModel | None, emulator: bool,
          record: bool = False):
    """Calls, round trips and units per request, cold and warm, for every scenario.
    ``emulator``: ask DynamoDB for ConsumedCapacity (DynamoDB Local reports it).
    ``record``: also keep every raw response, the canned responses the CPU measurement
    replays (ConsumedCapacity taken out again, as the app never asks for it); returns
    ``(figures, recordings)`` then."""
    figures, recordings = {}, {}
    for scenario in SCENARIOS:
        row = {"feature": scenario.feature}
        entry = recordings[scenario.name] = {}
        for phase in ("cold", "warm"):
            request = scenario.request(harness)
            if phase == "cold":
                harness.reset()
            event = request.event(request_id=f"bench-{scenario.name}-{phase}")
            logged = harness.logs.bytes
            tracking = size_model.tracking() if size_model else _null()
            with tracking, (hooks.consumed_capacity() if emulator else _null()), \
                    hooks.recording(raw=record) as calls:
                status, body = harness.invoke(request, scenario.feature, event=copy.deepcopy(event))
            _check(scenario, status, body)
            if record:
                entry[phase] = {"event": event, "status": status,
                                "responses": _without_capacity(hooks.canned(calls))}
            row["route"] = f"{request.method} {request.route}"
            dynamo = calls.of("dynamodb")
            row[f"ddb_calls_{phase}"] = len(dynamo)
            row[f"ddb_ops_{phase}"] = dynamo.names
            row[f"aws_calls_{phase}"] = len(calls)
            row[f"round_trips_{phase}"] = calls.round_trips()
            row[f"ddb_round_trips_{phase}"] = calls.of("dynamodb").round_trips()
            row[f"max_in_flight_{phase}"] = calls.max_in_flight()
            row[f"log_bytes_{phase}"] = harness.logs.bytes - logged
            row[f"transactions_{phase}"] = _transactions(dynamo, size_model)
            if size_model:
                model = size_model.units(dynamo)
                row[f"rru_model_{phase}"], row[f"wru_model_{phase}"] = model["rru"], model["wru"]
                row[f"units_by_table_{phase}"] = size_model.units_by_table(dynamo, f"geocritters-{STAGE}-")
            if emulator:
                units = capacity.emulator_units(dynamo, size_model)
                row[f"rru_{phase}"], row[f"wru_{phase}"] = units["rru"], units["wru"]
                row[f"rru_emulator_raw_{phase}"] = units["rru_emulator_raw"]
                row[f"wru_emulator_raw_{phase}"] = units["wru_emulator_raw"]
            if isinstance(body, dict) and "outcome" in body:
                row[f"outcome_{phase}"] = body["outcome"]
        figures[scenario.name] = row
    return (figures, recordings) if record else figures


def _transactions(dynamo, size_model: capacity.SizeModel | None) -> list[dict]:
    """Each TransactWriteItems of the request: its items (DynamoDB allows 100), by kind;
    its write units by the size model, and as DynamoDB Local reported them (None on
    moto; see capacity._several_in_one_table for why the two can differ)."""
    found = []
    for call in dynamo:
        if call.operation != "TransactWriteItems":
            continue
        kinds = [next(iter(entry)) for entry in call.params["TransactItems"]]
        reported = [float(c.get("CapacityUnits", 0)) for c in call.consumed]
        model = size_model.call_units(call, size_model.sizes_now(call))[1] if size_model else None
        found.append({"items": len(kinds), "kinds": {k: kinds.count(k) for k in sorted(set(kinds))},
                      "wru_model": model, "wru_emulator_raw": sum(reported) if reported else None})
    return found


def _without_capacity(responses: list[dict]) -> list[dict]:
    for response in responses:
        if response["service"] != "dynamodb" or not response["body"]:
            continue
        body = json.loads(response["body"])
        if isinstance(body, dict) and body.pop("ConsumedCapacity", None) is not None:
            response["body"] = json.dumps(body, separators=(",", ":"))
            response["headers"] = {k: v for k, v in response["headers"].items()
                                   if k.lower() not in ("x-amz-crc32", "content-length")}
    return responses


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def latency(harness: Harness, rounds: int, cold_rounds: int) -> dict:
    """Wall time of ``app(event, context)`` on the live backend, warm in every round,
    cold (after a reset) in the first ``cold_rounds``; scenarios interleaved."""
    samples = {s.name: {"cold": [], "warm": []} for s in SCENARIOS}
    errors = {s.name: [] for s in SCENARIOS}
    for round_index in range(rounds):
        order = SCENARIOS[round_index % len(SCENARIOS):] + SCENARIOS[:round_index % len(SCENARIOS)]
        for scenario in order:
            for phase in (("cold", "warm") if round_index < cold_rounds else ("warm",)):
                request = scenario.request(harness)
                event = request.event()
                if phase == "cold":
                    harness.reset()
                context = harness.lambda_context(scenario.feature)
                began = time.perf_counter()
                response = harness.app(event, context)
                elapsed = (time.perf_counter() - began) * 1000
                if response["statusCode"] != scenario.status:
                    # reported, not timed (e.g. a 503 from the app's time budget on a
                    # loaded machine); too many of them fail the run
                    errors[scenario.name].append({"phase": phase, "status": response["statusCode"],
                                                  "elapsed_ms": round(elapsed, 1),
                                                  "body": (response.get("body") or "")[:200]})
                    if len(errors[scenario.name]) > max(2, rounds // 5):
                        raise AssertionError(f"{scenario.name}: too many failed requests: "
                                             f"{errors[scenario.name]}")
                    continue
                samples[scenario.name][phase].append(elapsed)
    return {name: {**{phase: summary(values) for phase, values in phases.items()},
                   "errors": errors[name]}
            for name, phases in samples.items()}


def cpu(harness: Harness, recordings: dict, rounds: int, cold_rounds: int,
        budget_s: float = 60.0, min_rounds: int = 15) -> dict:
    """Handler CPU time (the whole process: a cold map also reads on a background
    thread) per request with botocore answering from the
    recorded responses: no socket, no emulator in the figure. Warm: ``rounds``
    interleaved rounds, or fewer (never under ``min_rounds``) once ``budget_s`` is spent."""
    names = [s.name for s in SCENARIOS]
    features = {s.name: s.feature for s in SCENARIOS}
    before_warm = {s.name: s.before_warm_replay for s in SCENARIOS if s.before_warm_replay}

    def replay(name, phase):
        recorded = recordings[name][phase]
        if phase == "warm" and name in before_warm:
            before_warm[name](harness)
        event = copy.deepcopy(recorded["event"])
        context = harness.lambda_context(features[name], GENEROUS_TIMEOUT_MS)
        with hooks.replaying(recorded["responses"]) as left:
            began = time.process_time_ns()
            response = harness.app(event, context)
            elapsed = (time.process_time_ns() - began) / 1e6
        if response["statusCode"] != recorded["status"] or left:
            raise AssertionError(f"{name} {phase} replay: status {response['statusCode']}, "
                                 f"{len(left)} canned responses unused: {response.get('body')}")
        return elapsed

    # The benchmark's own objects (recordings, peers' leftovers) stay out of the garbage
    # collector's scans, as they would be absent from a function's heap.
    gc.collect()
    gc.freeze()
    harness.reset()
    replay("map", "cold")  # builds the context and warms the map's cell cache
    for name in names:  # first-use costs (botocore operation models, ...) out of the way
        replay(name, "warm")
    warm = {name: [] for name in names}
    deadline = time.monotonic() + budget_s
    for round_index in range(rounds):
        if round_index >= min_rounds and time.monotonic() > deadline:
            break
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            warm[name].append(replay(name, "warm"))
    cold = {name: [] for name in names}
    for round_index in range(cold_rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            harness.reset()
            cold[name].append(replay(name, "cold"))
    harness.reset()
    gc.unfreeze()
    return {name: {"warm": summary(warm[name]), "cold": summary(cold[name])} for name in names}
