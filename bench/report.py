"""The printed tables (results.json holds everything, these are the headlines)."""
from __future__ import annotations

MAP_CPU_TARGET_MS = 3.0  # issue #5: map handler CPU <= 3 ms
IMPORT_TARGET_RATIO = 1.5  # issue #5: a function's cold import <= 1.5 x bare import boto3
TRANSACTION_ITEM_LIMIT = 100  # DynamoDB: items per TransactWriteItems


def _f(value, digits=1, width=0):
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.{digits}f}"
    else:
        text = str(value)
    return text.rjust(width) if width else text


def _table(headers, rows, align=None) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    align = align or ["<"] + [">"] * (len(headers) - 1)
    def line(cells):
        return "  ".join(f"{c!s:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=False))
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render(results: dict) -> str:
    out = []
    meta = results["meta"]
    m = meta["machine"]
    out.append(f"geocritters bench — {meta['date']}  commit {meta['git_commit'][:10]}"
               f"{' (dirty tree)' if meta.get('git_dirty') else ''}  {m['nproc']} cores, "
               f"Python {m['python']}  ({m['cpu']})")
    actions = results["actions"]
    if actions:
        out.append("")
        out.append("Per request. calls = DynamoDB calls cold/warm container; trips = sequential AWS "
                   "round trips cold (Secrets Manager included)/warm;")
        out.append("RRU/WRU warm (DynamoDB Local's consumed capacity + billed minimums); CPU = handler "
                   "on canned responses; local = in-process app on DynamoDB Local.")
        rows = []
        for name, a in actions.items():
            rows.append([
                name, a["feature"], f"{a['ddb_calls_cold']}/{a['ddb_calls_warm']}",
                f"{a['round_trips_cold']}/{a['round_trips_warm']}",
                _f(a["rru"]), _f(a["wru"]),
                f"{_f(a['cpu_p50_ms'], 2)}/{_f(a['cpu_p99_ms'], 2)}", _f(a["cpu_cold_p50_ms"], 1),
                f"{_f(a['local_p50_ms'], 1)}/{_f(a['local_p99_ms'], 1)}", _f(a["local_cold_p50_ms"], 1),
                _f(a["usd_per_million"], 2),
            ])
        out.append(_table(["action", "function", "calls c/w", "trips c/w", "RRU", "WRU",
                           "CPU p50/p99 ms", "CPU cold", "local p50/p99 ms", "local cold", "$/M req"],
                          rows))
        failed = {name: len(a["local_errors"]) for name, a in actions.items() if a.get("local_errors")}
        if failed:
            out.append("latency requests that failed (reported in results.json, not timed): " + ", ".join(
                f"{n} {k}x {actions[n]['local_errors'][0]['status']}" for n, k in failed.items()))
        mismatches = [name for name, a in actions.items()
                      if (a["rru"], a["wru"]) != (a["rru_model"], a["wru_model"])]
        if mismatches:
            out.append("size model disagrees with the emulator for: " + ", ".join(
                f"{n} (model {actions[n]['rru_model']}/{actions[n]['wru_model']})" for n in mismatches))
        else:
            out.append("RRU/WRU: DynamoDB Local's figures and the item-size model agree for every action.")
        trade = actions.get("trades.confirm")
        if trade and trade.get("transactions"):
            (txn,) = trade["transactions"]
            kinds = ", ".join(f"{k} {n}" for k, n in txn["kinds"].items())
            out.append(f"trade confirmation: one TransactWriteItems of {txn['items']} items ({kinds}; "
                       f"limit {TRANSACTION_ITEM_LIMIT}), {_f(txn['wru_model'])} WRU by item sizes "
                       f"(DynamoDB Local reports {_f(txn['wru_emulator_raw'])}: it counts small items "
                       f"in one table as one); local p50/p99 {_f(trade['local_p50_ms'])}/"
                       f"{_f(trade['local_p99_ms'])} ms of {trade['local_samples']} "
                       "(make bench-trades: of 100).")
        map_row = actions.get("map")
        if map_row:
            verdict = "meets" if map_row["cpu_p50_ms"] <= MAP_CPU_TARGET_MS else "MISSES"
            out.append(f"map handler CPU p50 {map_row['cpu_p50_ms']:.2f} ms {verdict} the "
                       f"<= {MAP_CPU_TARGET_MS:.0f} ms target (p99 {map_row['cpu_p99_ms']:.2f} ms).")
    cold = results.get("cold_start")
    if cold:
        out.append("")
        out.append("Cold start: import of each function's handler from the real prod package "
                   "(python -I -S -B, Lambda env), p50 of "
                   f"{next(iter(cold.values()))['runs']} interleaved runs.")
        rows = []
        for name, c in cold.items():
            ratio = c["ratio_to_boto3"]
            rows.append([name, c["handler"], c["memory_mb"], _f(c["import_p50_ms"], 0),
                         _f(c["import_cpu_p50_ms"], 0), _f(c["boto3_import_p50_ms"], 0),
                         f"{ratio:.2f}{'' if ratio <= IMPORT_TARGET_RATIO else ' !'}",
                         c["modules_imported"]])
        out.append(_table(["function", "handler", "MB", "import ms", "cpu ms", "boto3 ms",
                           "x boto3", "modules"], rows))
        first = next(iter(cold.values()))
        mb = 1024 * 1024
        out.append(f"bare import boto3: {first['boto3_modules_imported']} modules. Zips: function "
                   f"{first['zip_bytes']['code'] / mb:.2f} MB, layer {first['zip_bytes']['layer'] / mb:.1f} MB "
                   f"({first['unzipped_bytes']['layer'] / mb:.1f} MB unzipped). '!' = over "
                   f"{IMPORT_TARGET_RATIO}x boto3.")
    peer = results.get("peer")
    if peer and peer.get("levels"):
        out.append("")
        out.append(f"Nearby query, {int(peer['radii_m'][-1])} m around Times Square (the map's fort "
                   f"radius), same POIs, same emulator: calls / RRU / p50 ms. dynamodbgeo "
                   f"hashKeyLength {peer['hash_key_length']}.")
        out.append("ours = the curated-cell read alone (cold cell cache, one BatchGetItem); "
                   "map cold/warm = our whole map request with a cold/warm cell cache.")
        rows = []
        for level, entry in peer["levels"].items():
            cells = []
            for name in ("ours", "dynamodbgeo", "naive3x3"):
                a = entry["approaches"][name]
                if "error" in a:
                    cells.append("fails: item > 400 KB" if "size" in a["error"].lower() else "fails")
                else:
                    cells.append(f"{a['ddb_calls']} / {_f(a['rru'])} / {_f(a['local_ms']['p50'], 1)}")
            mr = entry.get("map_request")
            cells.append(f"{_f(mr['cold_cache_ms']['p50'], 1)} / {_f(mr['warm_cache_ms']['p50'], 1)}"
                         if mr else "-")
            ours = entry["approaches"]["ours"]
            lib = entry["approaches"]["dynamodbgeo"]
            ratio = (f"{lib['local_ms']['p50'] / ours['local_ms']['p50']:.1f}x"
                     if "local_ms" in ours and "local_ms" in lib else "-")
            rows.append([f"{level} ({entry['density_per_km2']}/km²)", entry["pois_in_block"],
                         ours.get("found", "-"), *cells, ratio])
        out.append(_table(["density", "POIs", "found", "ours", "dynamodbgeo", "naive3x3",
                           "map cold/warm ms", "geo/ours"], rows))
        out.append("dynamodbgeo Queries per radius by hashKeyLength: " + "; ".join(
            f"{n}: " + ", ".join(f"{r} m {q}" for r, q in by_r.items())
            for n, by_r in peer["queries_by_hash_key_length"].items()))
    phases = results.get("phases", {})
    if phases:
        out.append("")
        out.append("phases: " + ", ".join(f"{k} {v}" for k, v in phases.items()))
    return "\n".join(out)
