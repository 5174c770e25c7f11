"""The launch surge, minute by minute: what each scale of the launch curve asks of Lambda,
API Gateway, DynamoDB and Secrets Manager, the first minute each limit is hit, and the
cost per hour.

Inputs: the bench's per-action figures (build/bench/results.json: billed duration, read
and write units per table, log bytes), an action mix (bench/surge/action_mix.json or a
swarm's file of the same format), the functions' declarations (memory, reserved
concurrency, whether they read the secret) and bench.surge.published.

Demand vs served: limits are found on demand (what the players ask for); the cost is
what serving all of that demand costs (the bill of a studio that raised every limit in
time). A request's Lambda duration is the bench's billed duration (CPU scaled to the
function's memory + the wait on DynamoDB Local over loopback, of the order of DynamoDB's
in-Region latency).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from . import published as pub
from . import rules

MIX_FORMAT = "geocritters-action-mix/1"


class InputError(ValueError):
    """A missing or malformed input file: the message says what to run or fix."""


# ----------------------------------------------------------------------------------
# Inputs


def load_results(path: Path) -> dict:
    if not path.is_file():
        raise InputError(f"{path} not found: run `make bench` first (~3 min, needs java and npm); "
                         "it measures each action's duration and read/write units")
    results = json.loads(path.read_text())
    # An action that calls no table (game data) has an empty mapping: measured, not missing.
    missing = [name for name, row in results.get("actions", {}).items()
               if not isinstance(row.get("units_by_table"), dict)]
    if not results.get("actions") or missing:
        raise InputError(f"{path} has no per-table read/write units ({', '.join(missing[:3]) or 'no actions'}"
                         "...): it predates them; run `make bench` again")
    return results


def load_mix(path: Path, actions: dict) -> dict:
    """An action mix (the committed estimate or a swarm's file): per-minute and per-session
    rates, each naming a benchmarked action."""
    if not path.is_file():
        raise InputError(f"action mix {path} not found")
    mix = json.loads(path.read_text())
    if mix.get("format") != MIX_FORMAT:
        raise InputError(f"{path}: format must be {MIX_FORMAT!r}, got {mix.get('format')!r}")
    for section in ("per_player_per_minute", "per_session"):
        for name, entry in mix.get(section, {}).items():
            if name not in actions:
                raise InputError(f"{path}: {section}.{name} is not a benchmarked action "
                                 f"(build/bench/results.json actions)")
            rate = entry.get("rate") if isinstance(entry, dict) else None
            if not isinstance(rate, (int, float)) or rate < 0:
                raise InputError(f"{path}: {section}.{name}.rate must be a number >= 0")
    for key in ("session_minutes", "authorizer", "stream", "cache_refresh", "hot_spots"):
        if key not in mix:
            raise InputError(f"{path}: {key!r} missing")
    return mix


@dataclass(frozen=True)
class Function:
    name: str
    memory_mb: int
    reserved: int
    reads_secret: bool


def declared_functions() -> dict[str, Function]:
    from infra import functions as fn

    return {s.name: Function(s.name, s.memory_mb, s.reserved_concurrency, s.reads_secret)
            for s in fn.FUNCTIONS.values()}


# ----------------------------------------------------------------------------------
# The computation


@dataclass
class Options:
    api: str = "rest"  # or "http"
    arch: str = "x86"  # or "arm64"


@dataclass
class Limit:
    key: str
    what: str
    raise_by: str
    first_minute: int | None = None
    detail: str = ""
    worst: float = 0.0  # the highest demand / limit ratio seen

    def hit(self, minute: int, ratio: float, detail: str) -> None:
        self.worst = max(self.worst, ratio)
        if ratio > 1.0 and self.first_minute is None:
            self.first_minute, self.detail = minute, detail


@dataclass
class Run:
    scale: float
    peak_players: float
    minutes: list[dict] = field(default_factory=list)
    limits: dict[str, Limit] = field(default_factory=dict)

    def limit(self, key: str, what: str, raise_by: str) -> Limit:
        return self.limits.setdefault(key, Limit(key, what, raise_by))


def _rates(mix: dict, players: float, arrivals_per_min: float) -> dict[str, float]:
    """Requests per second by action."""
    sessions_per_s = (arrivals_per_min + players / mix["session_minutes"]["value"]) / 60.0
    rates: dict[str, float] = {}
    for name, entry in mix["per_player_per_minute"].items():
        rates[name] = rates.get(name, 0.0) + players * entry["rate"] / 60.0
    for name, entry in mix["per_session"].items():
        rates[name] = rates.get(name, 0.0) + sessions_per_s * entry["rate"]
    return rates


def _units(row: dict, table: str, kind: str, phase: str = "") -> float:
    return float((row.get(f"units_by_table{phase}") or {}).get(table, {}).get(kind, 0.0))


def simulate(curve: list[float], scale: float, results: dict, mix: dict,
             functions: dict[str, Function], options: Options | None = None,
             ddb_floor: dict[str, tuple[float, float]] | None = None) -> Run:
    """Every minute of ``curve`` (concurrent players at 1x) times ``scale``.
    ``ddb_floor``: table -> (WRU, RRU) it serves at once (warm throughput); default a new
    on-demand table's."""
    options = options or Options()
    actions = results["actions"]
    v = pub.value
    new_per_minute = v("lambda_scaling_per_10s") * 6
    account = v("lambda_account_concurrency")
    api_rate, api_burst = v("apigw_account_rps"), v("apigw_account_burst")
    api_price = v("apigw_rest_per_million") if options.api == "rest" else v("apigw_http_per_million")
    gb_s_price = v("lambda_x86_per_gb_second") if options.arch == "x86" else v("lambda_arm_per_gb_second")
    tables = sorted({t for row in actions.values() for t in (row.get("units_by_table") or {})} | {"boards"})
    floor = {t: (ddb_floor or {}).get(t, (v("ddb_new_table_wru"), v("ddb_new_table_rru"))) for t in tables}
    authorizer = mix["authorizer"]
    stream = mix["stream"]
    cache = mix["cache_refresh"]
    spots = mix["hot_spots"]
    cold = results.get("cold_start", {})

    run = Run(scale=scale, peak_players=max(curve) * scale)
    envs = dict.fromkeys(functions, 0.0)
    tokens = api_burst
    served_w = {t: [] for t in tables}
    served_r = {t: [] for t in tables}
    players_before = 0.0
    players_partitions = 1

    for minute, base in enumerate(curve):
        players = base * scale
        arrivals = max(0.0, players - players_before)
        players_before = players
        rates = _rates(mix, players, arrivals)
        api_rps = sum(rates.values())
        row: dict = {"minute": minute, "players": players, "api_rps": api_rps}

        # --- API Gateway: the account's token bucket ----------------------------------
        _served, throttled, tokens = rules.token_bucket(api_rate, api_burst, tokens, api_rps, 60)
        row["api_throttled_per_s"] = throttled / 60
        ratio = api_rps / api_rate
        run.limit("apigw.account", "API Gateway account throttle (10,000 rps + 5,000 burst, all APIs)",
                  "Service Quotas increase of 'Throttle rate' (L-8A5B8E43), weeks ahead"
                  ).hit(minute, ratio if throttled > 0 else min(ratio, 1.0),
                        f"{api_rps:,.0f} rps asked, {throttled / 60:,.0f}/s answered 429")

        # --- Lambda ---------------------------------------------------------------------
        invocations = dict.fromkeys(functions, 0.0)
        demand = dict.fromkeys(functions, 0.0)
        gb_seconds = 0.0
        log_bytes = 0.0
        for name, rps in rates.items():
            action = actions[name]
            feature = action["feature"]
            duration = action["cost"]["billed_duration_ms"]
            invocations[feature] += rps
            demand[feature] += rules.concurrency(rps, duration)
            gb_seconds += rps * duration / 1000 * functions[feature].memory_mb / 1024
            log_bytes += rps * (action.get("log_bytes", 0) + 260)
        auth = functions.get("jwt_authorizer")
        if auth is not None:
            auth_rps = players * authorizer["calls_per_player_per_minute"] / 60
            invocations[auth.name] += auth_rps
            demand[auth.name] += rules.concurrency(auth_rps, authorizer["duration_ms"])
            gb_seconds += auth_rps * authorizer["duration_ms"] / 1000 * auth.memory_mb / 1024
            log_bytes += auth_rps * 260

        # DynamoDB demand per table (needed for the stream's shards below)
        want_w = dict.fromkeys(tables, 0.0)
        want_r = dict.fromkeys(tables, 0.0)
        for name, rps in rates.items():
            for t in tables:
                want_w[t] += rps * _units(actions[name], t, "wru")
                want_r[t] += rps * _units(actions[name], t, "rru")
        board_writes = sum(rates.get(a, 0.0) * f for a, f in stream["board_writes_per_action"].items())
        want_w["boards"] += board_writes * stream["wru_per_board_write"]
        total_envs = sum(envs.values())
        if "events" in want_r:
            want_r["events"] += total_envs / cache["events_ttl_s"] * cache["events_rru_per_refresh"]
        if "cells" in want_r:
            want_r["cells"] += envs.get("map", 0.0) / cache["cells_ttl_s"] * cache["cells_rru_per_refresh"]

        # the board aggregator: one invocation per players-stream shard at a time
        if "board_aggregator" in functions:
            players_partitions = max(players_partitions,
                                     rules.partitions(want_w.get("players", 0.0), want_r.get("players", 0.0)))
            demand["board_aggregator"] = float(players_partitions)
            aggregator = functions["board_aggregator"]
            run.limit("lambda.reserved.board_aggregator",
                      f"board_aggregator reserved concurrency {aggregator.reserved} vs the players "
                      "stream's shards (one invocation per shard)",
                      "raise its reserved concurrency with the players table's partitions "
                      "(records older than 300 s go to the dead-letter queue)"
                      ).hit(minute, players_partitions / aggregator.reserved,
                            f"{players_partitions} shards")

        cold_starts = 0.0
        secret_reads = 0.0
        init_gb_s = 0.0
        row["concurrency"] = {}
        for name, fn in functions.items():
            need = demand[name]
            before = envs[name]
            now = rules.lambda_environments(need, before, new_per_minute)
            new = max(0.0, now - before)
            envs[name] = now
            cold_starts += new
            if fn.reads_secret:
                secret_reads += new
            init_ms = cold.get(name, {}).get("import_p50_ms", 300.0)
            init_gb_s += new * init_ms / 1000 * fn.memory_mb / 1024
            row["concurrency"][name] = need
            if name != "board_aggregator":
                run.limit(f"lambda.reserved.{name}", f"{name} reserved concurrency {fn.reserved}",
                          "raise its reserved concurrency (after the account limit), or "
                          "provisioned concurrency for the hottest"
                          ).hit(minute, need / fn.reserved, f"{need:,.0f} concurrent needed")
            run.limit(f"lambda.scaling.{name}", f"{name} scaling rate (1,000 new environments / 10 s)",
                      "provisioned concurrency (pre-initialised environments) before the rise"
                      ).hit(minute, (need - before) / new_per_minute if need > before else 0.0,
                            f"+{need - before:,.0f} environments in one minute")
        total = sum(demand.values())
        row["concurrency_total"] = total
        run.limit("lambda.account", "Lambda account concurrency (1,000 by default)",
                  "Service Quotas increase of 'Concurrent executions' (L-B99A9384), weeks ahead"
                  ).hit(minute, total / account, f"{total:,.0f} concurrent needed")
        row["cold_starts_per_s"] = cold_starts / 60
        run.limit("secrets.get_secret_value", "Secrets Manager GetSecretValue (10,000 /s)",
                  "cache the secret across cold starts (it is read once per container already)"
                  ).hit(minute, secret_reads / 60 / v("sm_get_secret_value_rps"),
                        f"{secret_reads / 60:,.0f} reads/s")

        # --- DynamoDB: the 2x rule, the table quota ---------------------------------------
        row["ddb"] = {}
        for t in tables:
            w_ceiling = rules.on_demand_ceiling(served_w[t], minute, floor[t][0],
                                                v("ddb_peak_multiple"), int(v("ddb_peak_window_minutes")))
            r_ceiling = rules.on_demand_ceiling(served_r[t], minute, floor[t][1],
                                                v("ddb_peak_multiple"), int(v("ddb_peak_window_minutes")))
            w_cap = min(w_ceiling, v("ddb_table_wru_quota"))
            r_cap = min(r_ceiling, v("ddb_table_rru_quota"))
            served_w[t].append(min(want_w[t], w_cap))
            served_r[t].append(min(want_r[t], r_cap))
            row["ddb"][t] = {"wru": want_w[t], "rru": want_r[t],
                             "wru_ceiling": w_ceiling, "rru_ceiling": r_ceiling}
            run.limit(f"ddb.2x.{t}", f"{t}: on-demand 2x previous peak within 30 min",
                      "pre-warm the table (warm throughput) to the expected peak, a day ahead"
                      ).hit(minute, max(want_w[t] / w_ceiling, want_r[t] / r_ceiling),
                            f"{want_w[t]:,.0f} WRU / {want_r[t]:,.0f} RRU asked vs "
                            f"{w_ceiling:,.0f} / {r_ceiling:,.0f}")
            run.limit(f"ddb.quota.{t}", f"{t}: table quota 40,000 RRU / 40,000 WRU",
                      "Service Quotas increase of the table-level read/write throughput quota"
                      ).hit(minute, max(want_w[t] / v("ddb_table_wru_quota"),
                                        want_r[t] / v("ddb_table_rru_quota")),
                            f"{want_w[t]:,.0f} WRU / {want_r[t]:,.0f} RRU")

        # --- hot keys: one partition each -------------------------------------------------
        landmark = players * spots["landmark_share"]["value"]
        region = players * spots["region_share"]["value"]
        per_landmark_player = _rates(mix, 1.0, 0.0)
        hot = {}
        for table, label in (("gyms", "one gym item (a landmark's gym)"),
                             ("lobbies", "one raid's lobbies (partition raid_id)")):
            w = landmark * sum(r * _units(actions[a], table, "wru") for a, r in per_landmark_player.items())
            r_ = landmark * sum(r * _units(actions[a], table, "rru") for a, r in per_landmark_player.items())
            hot[table] = (w, r_, label)
        # a busy map cell: every map container re-reads it once per TTL (bounded by the
        # landmark players' own map calls)
        map_calls = landmark * sum(r for a, r in per_landmark_player.items() if actions[a]["feature"] == "map")
        cell_reads = min(map_calls, envs.get("map", 0.0) / cache["cells_ttl_s"]) * cache["cells_rru_per_refresh"]
        hot["cells"] = (0.0, cell_reads, "one busy geohash-6 map cell")
        hot["events"] = (0.0, total_envs / cache["events_ttl_s"] * cache["events_rru_per_refresh"],
                         "the live events partition (every container, every 60 s)")
        shard_writes = region * sum(per_landmark_player.get(a, 0.0) * f
                                    for a, f in stream["board_writes_per_action"].items())
        hot["boards"] = (shard_writes * stream["wru_per_board_write"] / 8, 0.0,
                         "one shard of the busiest region's board (8 shards)")
        row["hot"] = {}
        for key, (w, r_, label) in hot.items():
            row["hot"][key] = {"wcu": w, "rcu": r_}
            run.limit(f"ddb.partition.{key}", f"{label}: 1,000 WCU / 3,000 RCU per partition",
                      "shard the key (more items) or cache the reads; no quota raises it"
                      ).hit(minute, max(w / v("ddb_partition_wcu"), r_ / v("ddb_partition_rcu")),
                            f"{w:,.0f} WCU / {r_:,.0f} RCU")

        # --- cost of serving this minute's demand -----------------------------------------
        wru = sum(want_w.values())
        rru = sum(want_r.values())
        lambda_requests = sum(invocations.values())
        per_s = {
            "lambda_requests": lambda_requests * v("lambda_per_million_requests") / 1e6,
            "lambda_duration": (gb_seconds + (init_gb_s / 60 if v("lambda_init_billed") else 0)) * gb_s_price,
            "api_gateway": api_rps * api_price / 1e6,
            "dynamodb": rru * v("ddb_per_million_rru") / 1e6 + wru * v("ddb_per_million_wru") / 1e6,
            "secrets_manager": secret_reads / 60 * v("sm_per_10k_calls") / 1e4,
            "cloudwatch_logs": log_bytes / 1e9 * v("logs_per_gb"),
            "xray": api_rps * 0.05 * v("xray_per_million_traces") / 1e6,
        }
        row["cost_per_hour"] = {k: c * 3600 for k, c in per_s.items()}
        row["cost_per_hour_total"] = sum(row["cost_per_hour"].values())
        row["wru"], row["rru"] = wru, rru
        run.minutes.append(row)
    return run


def summary(run: Run) -> dict:
    peak = max(run.minutes, key=lambda m: m["cost_per_hour_total"])
    hit = sorted((limit for limit in run.limits.values() if limit.first_minute is not None),
                 key=lambda limit: (limit.first_minute, -limit.worst))
    return {
        "scale": run.scale,
        "peak_players": round(run.peak_players),
        "peak_api_rps": round(max(m["api_rps"] for m in run.minutes)),
        "peak_concurrency": round(max(m["concurrency_total"] for m in run.minutes)),
        "peak_cost_per_hour": {k: round(c, 2) for k, c in peak["cost_per_hour"].items()},
        "peak_cost_per_hour_total": round(peak["cost_per_hour_total"], 2),
        "window_cost_total": round(sum(m["cost_per_hour_total"] for m in run.minutes) / 60, 2),
        "limits_hit": [{"minute": limit.first_minute, "limit": limit.what, "key": limit.key,
                        "detail": limit.detail, "worst_ratio": round(limit.worst, 2),
                        "raise_by": limit.raise_by} for limit in hit],
        "limits_not_hit": sorted(({"limit": limit.what, "worst_ratio": round(limit.worst, 3)}
                                  for limit in run.limits.values() if limit.first_minute is None),
                                 key=lambda x: -x["worst_ratio"])[:8],
    }


def first_hits(run: Run) -> list[Limit]:
    return sorted((limit for limit in run.limits.values() if limit.first_minute is not None),
                  key=lambda limit: (limit.first_minute, -limit.worst))


def cheapest(summaries: dict[str, dict]) -> str:
    return min(summaries, key=lambda k: summaries[k]["peak_cost_per_hour_total"])


def ratio_text(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"
