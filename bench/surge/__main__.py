"""``make surge`` / ``python -m bench.surge``: the 50x plan, computed.

Reads build/bench/results.json (``make bench``) and an action mix, runs the launch curve
at 1x, 5x and 50x of the planned peak, and writes build/surge/surge.json, the plots
(build/surge/*.png) and prints, per scale, the first minute each limit is hit, by what,
and what raises it; then the cost options (REST vs HTTP API, x86 vs arm64).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import curve, model
from . import published as pub

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = PROJECT_DIR / "build" / "bench" / "results.json"
DEFAULT_MIX = Path(__file__).resolve().parent / "action_mix.json"
DEFAULT_OUT = PROJECT_DIR / "build" / "surge"
# The planned peak: a studio's hopeful launch plans for ~100,000 players online at once;
# 50x of it is 5 M, the order of Pokemon GO's own peak in July 2016 (~25-45 M daily
# players, ~10 % online at the evening peak).
DEFAULT_PEAK = 100_000
SCALES = (1, 5, 50)


def _print_table(name: str, summary: dict) -> None:
    print(f"\n{name}: peak {summary['peak_players']:,} players, {summary['peak_api_rps']:,} API rps, "
          f"{summary['peak_concurrency']:,} Lambda concurrency, "
          f"${summary['peak_cost_per_hour_total']:,.0f}/hour at the peak")
    hits = summary["limits_hit"]
    if not hits:
        print("  no limit hit")
        return
    print(f"  {'min':>4}  {'limit':<62} {'x limit':>8}  raised by")
    for hit in hits:
        print(f"  {hit['minute']:>4}  {hit['limit'][:62]:<62} {hit['worst_ratio']:>8.2f}  {hit['raise_by']}")
        print(f"        {hit['detail']}")


def _plots(runs: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    x = list(range(len(next(iter(runs.values())).minutes)))

    def save(fig, name):
        path = out / name
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))

    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 4), sharey=False)
    for ax, (label, run) in zip(axes, runs.items(), strict=True):
        total = [m["concurrency_total"] for m in run.minutes]
        ax.plot(x, total, label="all functions")
        for name in ("map", "catch", "encounter"):
            ax.plot(x, [m["concurrency"][name] for m in run.minutes], label=name)
        ax.axhline(pub.value("lambda_account_concurrency"), color="red", ls="--", label="account 1,000")
        ax.set_yscale("log")
        ax.set_title(f"Lambda concurrency, {label}")
        ax.set_xlabel("minute of launch")
        ax.legend(fontsize=7)
    save(fig, "concurrency.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    for label, run in runs.items():
        ax.plot(x, [m["api_rps"] for m in run.minutes], label=label)
    ax.axhline(pub.value("apigw_account_rps"), color="red", ls="--", label="account throttle 10,000 rps")
    ax.set_yscale("log")
    ax.set_title("API Gateway requests/s vs the account throttle")
    ax.set_xlabel("minute of launch")
    ax.legend()
    save(fig, "api_rps.png")

    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 4))
    for ax, (label, run) in zip(axes, runs.items(), strict=True):
        for table, kind in (("players", "wru"), ("actions", "wru"), ("creatures", "wru")):
            ax.plot(x, [m["ddb"][table][kind] for m in run.minutes], label=f"{table} {kind.upper()}")
            ax.plot(x, [m["ddb"][table][f"{kind}_ceiling"] for m in run.minutes], ls=":",
                    label=f"{table}: 2x rule")
        ax.axhline(pub.value("ddb_table_wru_quota"), color="red", ls="--", label="table quota 40,000")
        ax.set_yscale("log")
        ax.set_title(f"DynamoDB write units/s, {label}")
        ax.set_xlabel("minute of launch")
        ax.legend(fontsize=6)
    save(fig, "dynamodb.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    for label, run in runs.items():
        ax.plot(x, [m["cost_per_hour_total"] for m in run.minutes], label=label)
    ax.set_yscale("log")
    ax.set_title("Cost per hour (USD, us-east-1, serving all demand)")
    ax.set_xlabel("minute of launch")
    ax.legend()
    save(fig, "cost.png")
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.surge", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--mix", type=Path, default=DEFAULT_MIX,
                        help="an action mix file (the committed estimate, or `make swarm`'s)")
    parser.add_argument("--peak", type=float, default=DEFAULT_PEAK,
                        help="planned peak concurrent players at 1x (default 100,000)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    if args.peak <= 0:
        print("surge: --peak must be positive", file=sys.stderr)
        return 2
    try:
        results = model.load_results(args.results)
        mix = model.load_mix(args.mix, results["actions"])
    except model.InputError as error:
        print(f"surge: {error}", file=sys.stderr)
        return 2
    functions = model.declared_functions()
    players = curve.players(args.peak)

    runs, summaries = {}, {}
    for scale in SCALES:
        run = model.simulate(players, scale, results, mix, functions)
        runs[f"{scale}x"] = run
        summaries[f"{scale}x"] = model.summary(run)
    print(f"launch surge: planned peak {args.peak:,.0f} players, curve {curve.MINUTES} min, "
          f"bench of {results['meta']['date']} ({results['meta']['git_commit'][:7]}), mix {args.mix.name}")
    for label, summary in summaries.items():
        _print_table(label, summary)

    options = {}
    for api in ("rest", "http"):
        for arch in ("x86", "arm64"):
            per_scale = {}
            for scale in SCALES:
                run = model.simulate(players, scale, results, mix, functions, model.Options(api, arch))
                s = model.summary(run)
                per_scale[f"{scale}x"] = {"peak_cost_per_hour_total": s["peak_cost_per_hour_total"],
                                          "peak_cost_per_hour": s["peak_cost_per_hour"],
                                          "window_cost_total": s["window_cost_total"]}
            options[f"{api}/{arch}"] = per_scale
    print("\ncost options, $/hour at the peak (1x / 5x / 50x):")
    for name, per_scale in options.items():
        figures = " / ".join(f"{per_scale[f'{s}x']['peak_cost_per_hour_total']:,.0f}" for s in SCALES)
        print(f"  {name:<11} {figures}")

    args.out.mkdir(parents=True, exist_ok=True)
    plots = [] if args.no_plots else _plots(runs, args.out)
    document = {
        "inputs": {"results": str(args.results), "bench_date": results["meta"]["date"],
                   "bench_commit": results["meta"]["git_commit"], "mix": str(args.mix),
                   "mix_source": mix.get("source"), "planned_peak": args.peak,
                   "curve": {"minutes": curve.MINUTES, "regions": curve.describe()}},
        "published": pub.as_json(),
        "scales": summaries,
        "cost_options": options,
        "minutes": {label: [{k: m[k] for k in ("minute", "players", "api_rps", "api_throttled_per_s",
                                                "concurrency_total", "cold_starts_per_s", "wru", "rru",
                                                "cost_per_hour_total")}
                            for m in run.minutes] for label, run in runs.items()},
        "plots": plots,
    }
    path = args.out / "surge.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    print(f"\nwritten: {path}" + (f" and {len(plots)} plots" if plots else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
