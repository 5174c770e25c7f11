"""`make swarm`'s report from Locust's CSVs and the swarm's observed.json: plots, the
observed action mix (bench/surge's format) and the hot-key estimate.

    python -m bench.swarm.report build/swarm [--bench build/bench/results.json]

Reads <dir>/swarm_stats_history.csv (--csv-full-history), swarm_failures.csv,
swarm_stats.csv and observed.json; writes <dir>/requests_per_s.png, latency.png,
errors_by_code.png, hot_keys.png, hot_keys.json, summary.json (the steady state: the run's
second half) and action_mix.json.

Hot keys are an ESTIMATE: DynamoDB's consumed capacity is not returned to clients and the
app does not ask for it, so each successful request is charged the read/write units the
bench measured for its action (build/bench/results.json ``units_by_table``, warm
container), each table's units going to the partition key of that table the request
touched as far as the client can see: the map's geohash-6 cell (cells), the gyms in view
or the gym opened (gyms: half the map reads after a player's
minute's first are charged the bench's stale-gym-cache read), the raid (lobbies), the region (boards), the player (every
player-keyed table). A map read's gym units are split evenly over the gyms it returned.
Without the bench's file every touch counts one (requests, not units).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

MIX_FORMAT = "geocritters-action-mix/1"
ESTIMATE = Path(__file__).resolve().parent.parent / "surge" / "action_mix.json"
PREFIX = "swarm"
FAMILIES = ("cell", "gym", "raid", "player", "region")


def family_of_table(table: str) -> str | None:
    """The partition key family of a table (infra/template.json's key schemas)."""
    if "cell" in table:
        return "cell"
    if "gym" in table:
        return "gym"
    if "lobb" in table:
        return "raid"
    if "board" in table:
        return "region"
    if "event" in table or "trade" in table or "trainer" in table:
        return None  # keyed by something the swarm does not touch or cannot see
    return "player"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_history(path: Path) -> dict[str, list[dict]]:
    """Per route ("GET /v1/map", and "Aggregated"): the rows over time."""
    series: dict[str, list[dict]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            name = f"{row['Type']} {row['Name']}".strip()
            series[name].append({"t": int(row["Timestamp"]), "users": int(row["User Count"]),
                                 "rps": _number(row["Requests/s"]), "fps": _number(row["Failures/s"]),
                                 "p50": _number(row["50%"]), "p99": _number(row["99%"])})
    return dict(series)


def read_failures(path: Path) -> list[dict]:
    """Locust's failures: route, error (our ``Refused``: "<status> <code>"), occurrences."""
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return [{"route": f"{row['Method']} {row['Name']}", "error": row["Error"],
                 "count": int(row["Occurrences"])} for row in csv.DictReader(handle)]


def read_stats(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return [{"route": f"{row['Type']} {row['Name']}".strip(), "requests": int(row["Request Count"]),
                 "failures": int(row["Failure Count"]), "rps": float(row["Requests/s"]),
                 "p50": _number(row["50%"]), "p99": _number(row["99%"])}
                for row in csv.DictReader(handle)]


def steady_state(series: dict[str, list[dict]]) -> dict[str, dict]:
    """Per route over the run's second half (all players in, the logins' rush over): mean
    requests/s, and the median of Locust's windowed p50 and p99 (its history's percentiles
    cover the last ~10 s, so their median is a typical moment, not the whole run's tail)."""
    stamps = [row["t"] for rows in series.values() for row in rows]
    if not stamps:
        return {}
    half = (min(stamps) + max(stamps)) / 2

    def median(values):
        values = sorted(values)
        return values[len(values) // 2] if values else None

    result = {}
    for name, rows in series.items():
        late = [row for row in rows if row["t"] >= half]
        rps = [row["rps"] for row in late if row["rps"] is not None]
        result[name] = {"rps": round(sum(rps) / len(rps), 2) if rps else 0.0,
                        "p50": median([row["p50"] for row in late if row["p50"]]),
                        "p99": median([row["p99"] for row in late if row["p99"]])}
    return result


def errors_by_code(failures: list[dict]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for failure in failures:
        totals[failure["error"]] += failure["count"]
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


# What a client cannot tell apart, split as action_mix() does: an observed action's units
# are these benchmarked actions' in these shares.
SPLITS = {"map": {"map": 0.5, "map.gyms_stale": 0.5},
          "map.new_minute": {"map.new_minute": 6 / 7, "map.fold": 1 / 7}}


def _units(actions: dict, action: str) -> dict:
    """{table: {"rru", "wru"}} per request of an observed action."""
    total: dict[str, dict] = {}
    for name, weight in SPLITS.get(action, {action: 1.0}).items():
        for table, charged in (actions.get(name, {}).get("units_by_table") or {}).items():
            entry = total.setdefault(table, {"rru": 0.0, "wru": 0.0})
            entry["rru"] += weight * charged.get("rru", 0.0)
            entry["wru"] += weight * charged.get("wru", 0.0)
    return total


def hot_keys(observed: dict, bench: dict | None, seconds: float, top: int = 10) -> dict:
    """Per key family, the ``top`` keys by units (or touches) per second."""
    actions = (bench or {}).get("actions", {})
    touches: dict[tuple[str, str], int] = defaultdict(int)  # (action, family) -> touches
    parsed = []
    for slot, n in observed["keys"].items():
        action, family, key = slot.split("\t")
        touches[(action, family)] += n
        parsed.append((action, family, key, n))
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    touched: dict[tuple[str, str], int] = defaultdict(int)
    for action, family, key, n in parsed:
        touched[(family, key)] += n
        totals[(family, key)]  # a key touched by actions of no units is still listed
        if bench is None:
            totals[(family, key)][0] += n
            continue
        units = _units(actions, action)
        requests = observed["actions"].get(action, 0)
        for table, charged in units.items():
            if family_of_table(table) != family:
                continue
            # the action's units of this table over all its requests, split over the keys touched
            share = requests * n / touches[(action, family)]
            totals[(family, key)][0] += charged.get("rru", 0.0) * share
            totals[(family, key)][1] += charged.get("wru", 0.0) * share
    result: dict = {"unit": "requests" if bench is None else "read/write units", "seconds": seconds,
                    "families": {}}
    for family in FAMILIES:
        rows = [{"key": key, "read": round(rw[0] / seconds, 4), "write": round(rw[1] / seconds, 4),
                 "total": rw[0] + rw[1], "touches_per_s": round(touched[(family, key)] / seconds, 4)}
                for (f, key), rw in totals.items() if f == family]
        rows.sort(key=lambda row: (-row["total"], -row["touches_per_s"]))
        for row in rows:
            row["total"] = round(row["total"], 3)
        if rows:
            result["families"][family] = {"keys": len(rows), "top": rows[:top]}
    return result


def action_mix(observed: dict, estimate: dict, host: str) -> dict:
    """The swarm's actions in bench/surge's format: successes per player-minute (and per
    session for the session's own calls). What a client cannot see is split as the
    committed estimate does: a map read after the minute's first is half fresh-cache, half
    stale-gyms (the gym cache is per container), and one minute's first in 7 folds the trail."""
    minutes = observed["player_seconds"] / 60.0
    sessions = max(observed["sessions"], 1)
    counts = dict(observed["actions"])
    per_minute: dict[str, dict] = {}

    def put(name, count, why):
        per_minute[name] = {"rate": round(count / minutes, 4) if minutes else 0.0, "why": why}

    later_maps = counts.pop("map", 0)
    first_maps = counts.pop("map.new_minute", 0)
    put("map", later_maps / 2, f"observed: {later_maps} map reads after the minute's first; half of them "
        "assumed to find the container's gym cache fresh (as the committed estimate)")
    put("map.gyms_stale", later_maps / 2, "the other half of those")
    put("map.new_minute", first_maps * 6 / 7, f"observed: {first_maps} first map reads of a player's "
        "clock minute (walk sample written), less the folds")
    put("map.fold", first_maps / 7, "one minute's first read in 7 folds the trail (committed estimate)")
    per_session = {}
    for name in ("auth", "gamedata"):
        per_session[name] = {"rate": round(counts.pop(name, 0) / sessions, 4),
                             "why": f"observed over {observed['sessions']} sessions"}
    for name, count in sorted(counts.items()):
        put(name, count, f"observed: {count} successes")
    mix = {"format": MIX_FORMAT,
           "source": f"`make swarm` against {host}: {observed['sessions']} players, "
                     f"{minutes:.0f} player-minutes walking at 1.4 m/s in cities (bench/swarm); "
                     "successful requests only; session_minutes, authorizer, stream, cache_refresh "
                     "and hot_spots copied from bench/surge/action_mix.json",
           "per_player_per_minute": per_minute, "per_session": per_session}
    for key in ("session_minutes", "authorizer", "stream", "cache_refresh", "hot_spots"):
        mix[key] = estimate[key]
    return mix


# -- plots -----------------------------------------------------------------------------

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_over_time(series: dict[str, list[dict]], out: Path) -> list[Path]:
    plt = _pyplot()
    routes = sorted(name for name in series if name != "Aggregated")
    start = min((row["t"] for rows in series.values() for row in rows), default=0)
    written = []
    figure, axis = plt.subplots(figsize=(11, 6))
    for name in [*routes, "Aggregated"]:
        rows = [r for r in series.get(name, []) if r["rps"] is not None]
        if rows:
            axis.plot([r["t"] - start for r in rows], [r["rps"] for r in rows], label=name,
                      linewidth=2.5 if name == "Aggregated" else 1.2)
    axis.set(xlabel="seconds", ylabel="requests/s", title="Requests per second by route")
    users = series.get("Aggregated", [])
    if users:
        twin = axis.twinx()
        twin.plot([r["t"] - start for r in users], [r["users"] for r in users], "k:", label="users")
        twin.set_ylabel("users (dotted)")
    axis.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(out / "requests_per_s.png", dpi=110)
    plt.close(figure)
    written.append(out / "requests_per_s.png")
    figure, axes = plt.subplots(2, 1, figsize=(11, 9), sharex=True)
    for axis, column in zip(axes, ("p50", "p99"), strict=True):
        for name in routes:
            rows = [r for r in series[name] if r[column]]
            if rows:
                axis.plot([r["t"] - start for r in rows], [r[column] for r in rows], label=name)
        axis.set(ylabel=f"{column} ms", yscale="log", title=f"{column} response time by route (Locust's window)")
    axes[1].set_xlabel("seconds")
    axes[0].legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(out / "latency.png", dpi=110)
    plt.close(figure)
    written.append(out / "latency.png")
    return written


def plot_errors(failures: list[dict], out: Path) -> Path:
    """One bar per error code, split by route (stacked, the legend names them)."""
    plt = _pyplot()
    by_code = errors_by_code(failures)
    codes = list(by_code)[::-1]
    routes = sorted({f["route"] for f in failures})
    figure, axis = plt.subplots(figsize=(11, 2 + 0.45 * max(len(codes), 1)))
    if by_code:
        left = [0] * len(codes)
        for route in routes:
            counts = [sum(f["count"] for f in failures if f["error"] == code and f["route"] == route)
                      for code in codes]
            axis.barh([code[:60] for code in codes], counts, left=left, label=route)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        axis.legend(fontsize=7, loc="lower right")
    else:
        axis.text(0.5, 0.5, "no refusals", ha="center", va="center", transform=axis.transAxes)
    axis.set(xlabel="responses", title="Refusals and failures by error code, by route")
    axis.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    figure.savefig(out / "errors_by_code.png", dpi=110)
    plt.close(figure)
    return out / "errors_by_code.png"


def plot_hot_keys(hot: dict, out: Path) -> Path:
    plt = _pyplot()
    families = list(hot["families"])
    figure, axes = plt.subplots(len(families) or 1, 1, figsize=(10, 2.6 * max(len(families), 1)))
    axes = axes if len(families) > 1 else [axes]
    per_s = "units/s" if hot["unit"] != "requests" else "touches/s"
    for axis, family in zip(axes, families, strict=False):
        rows = hot["families"][family]["top"][::-1]
        keys = [row["key"] for row in rows]
        if not any(row["total"] for row in rows):
            # no units charged per request (e.g. cells: read from the container's cache, so
            # DynamoDB sees a refresh per container a minute): how often players hit it
            axis.barh(keys, [row["touches_per_s"] for row in rows], label="requests touching it", color="grey")
            axis.set_title(f"{family}: top {len(rows)} of {hot['families'][family]['keys']} keys "
                           "(requests/s; no per-request units in the bench)", fontsize=9)
            axis.legend(fontsize=7)
            continue
        axis.barh(keys, [row["read"] for row in rows], label="read" if hot["unit"] != "requests" else "touches")
        axis.barh(keys, [row["write"] for row in rows], left=[row["read"] for row in rows], label="write")
        axis.set_title(f"{family}: top {len(rows)} of {hot['families'][family]['keys']} keys ({per_s}, estimate)",
                       fontsize=9)
        axis.tick_params(axis="y", labelsize=7)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "hot_keys.png", dpi=110)
    plt.close(figure)
    return out / "hot_keys.png"


def build(directory: Path, bench_path: Path, host: str) -> dict:
    series = read_history(directory / f"{PREFIX}_stats_history.csv")
    failures = read_failures(directory / f"{PREFIX}_failures.csv")
    observed = json.loads((directory / "observed.json").read_text())
    bench = json.loads(bench_path.read_text()) if bench_path.is_file() else None
    stamps = [row["t"] for rows in series.values() for row in rows]
    seconds = float(max(stamps) - min(stamps)) if len(stamps) > 1 else 1.0
    hot = hot_keys(observed, bench, max(seconds, 1.0))
    hot["bench"] = str(bench_path) if bench else None
    (directory / "hot_keys.json").write_text(json.dumps(hot, indent=1))
    mix = action_mix(observed, json.loads(ESTIMATE.read_text()), host)
    (directory / "action_mix.json").write_text(json.dumps(mix, indent=1))
    steady = steady_state(series)
    (directory / "summary.json").write_text(json.dumps(
        {"seconds": seconds, "steady_state": steady, "errors_by_code": errors_by_code(failures),
         "players": observed["sessions"], "player_minutes": round(observed["player_seconds"] / 60, 1)},
        indent=1))
    plot_over_time(series, directory)
    plot_errors(failures, directory)
    plot_hot_keys(hot, directory)
    return {"seconds": seconds, "errors": errors_by_code(failures), "hot": hot, "mix": mix, "steady": steady}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, nargs="?", default=Path("build/swarm"))
    parser.add_argument("--bench", type=Path, default=Path("build/bench/results.json"))
    parser.add_argument("--host", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    if not (args.directory / f"{PREFIX}_stats_history.csv").is_file():
        print(f"{args.directory}/{PREFIX}_stats_history.csv not found: run `make swarm`", file=sys.stderr)
        return 2
    result = build(args.directory, args.bench, args.host)
    stats = read_stats(args.directory / f"{PREFIX}_stats.csv")
    print(f"\nswarm report ({result['seconds']:.0f} s) in {args.directory}/")
    print(f"{'':48} {'whole run':>38} | {'second half (steady)':>24}")
    print(f"{'route':48} {'requests':>9} {'fails':>7} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} | "
          f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
    for row in stats:
        late = result["steady"].get(row["route"], {})
        print(f"{row['route']:48} {row['requests']:9d} {row['failures']:7d} {row['rps']:7.2f} "
              f"{row['p50'] or 0:7.0f} {row['p99'] or 0:7.0f} | {late.get('rps') or 0:7.2f} "
              f"{late.get('p50') or 0:7.0f} {late.get('p99') or 0:7.0f}")
    print("errors by code: " + (", ".join(f"{code} x{n}" for code, n in result["errors"].items()) or "none"))
    hot = result["hot"]
    unit = "units/s" if hot["unit"] != "requests" else "touches/s (no bench results: unweighted)"
    for family, entry in hot["families"].items():
        first = entry["top"][0]
        print(f"hottest {family} (of {entry['keys']}): {first['key']} "
              f"read {first['read']} write {first['write']} {unit}, {first['touches_per_s']} requests/s")
    print(f"action mix: {args.directory}/action_mix.json (make surge MIX={args.directory}/action_mix.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
