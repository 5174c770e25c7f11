"""Cold start = import time of each deployed function, from the REAL package.

``infra.package`` builds the prod package once into ``build/bench/pkg`` (chalice package +
the per-action fan-out + unchecked-hash bytecode), the two zips are unzipped the way
Lambda lays them out (/var/task and /opt/python/lib/python3.11/site-packages), and each
function's handler module is imported in a fresh ``python -I -S -B`` (no site-packages,
no user paths, no bytecode writes; sys.path = task dir, then the layer) with the Lambda
environment variables set. Bare ``import boto3`` from the same layer is measured in the
same rounds with the same flags, interleaved: the ratio is what to read, not the ms.
"""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from .stats import summary

PROBE = r"""
import sys, time
task, layer, target = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path[:0] = [task, layer]
before = set(sys.modules)
wall, cpu = time.perf_counter(), time.process_time()
module_name, _, attr = target.partition(":")
module = __import__(module_name, fromlist=[attr] if attr else [])
handler = getattr(module, attr) if attr else module
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
new = sorted(set(sys.modules) - before)
import json
print(json.dumps({"wall_ms": wall * 1000, "cpu_ms": cpu * 1000, "modules": len(new),
                  "callable": callable(handler),
                  "ours": sorted(m for m in new if m.split(".")[0] in ("app", "functions", "geocritters")),
                  "top": sorted({m.split(".")[0] for m in new})}))
"""


def runtime_site(dest: Path, requirements: Path | None = None) -> Path:
    """A directory of symlinks to what the deployed layer holds, without packaging: the
    distributions of requirements.txt and their dependencies (markers evaluated, no
    extras), plus the Chalice runtime the function zip carries. Importing from it (and
    nothing else of the venv) imports what Lambda would: optional imports that only the
    dev venv can satisfy (cryptography for PyJWT, ...) stay unsatisfied."""
    import re
    from importlib import metadata

    from packaging.requirements import Requirement

    from infra import PROJECT_DIR

    requirements = requirements or PROJECT_DIR / "requirements.txt"
    seen: dict[str, metadata.Distribution] = {}

    def walk(text: str) -> None:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            return
        key = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if key in seen:
            return
        seen[key] = distribution = metadata.distribution(requirement.name)
        for dependency in distribution.requires or []:
            walk(dependency)

    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            walk(line)
    dest.mkdir(parents=True, exist_ok=True)
    # Chalice: only its runtime package ships (in the function zip), none of its deps.
    sources = [*list(seen.items()), ("chalice", metadata.distribution("chalice"))]
    for key, distribution in sources:
        tops = {f.parts[0] for f in distribution.files or []
                if not f.parts[0].endswith((".dist-info", ".egg-info", "-stubs"))
                and f.parts[0] not in ("..", "__pycache__", "bin")}
        if key == "chalice":
            tops = {"chalice"}
        for top in tops:
            source = Path(distribution.locate_file(top))
            link = dest / top
            if source.exists() and not link.exists():
                link.symlink_to(source)
    return dest


def lambda_env(spec, task_dir: Path, stage: str = "prod") -> dict:
    from infra import SECRET_ENV_VAR, secret_name, tables

    env = {
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name(stage),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "LAMBDA_TASK_ROOT": str(task_dir), "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench",
        "STAGE": stage, SECRET_ENV_VAR: secret_name(stage),
        "GEOCRITTERS_FEATURE": spec.feature_env, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
        "TZ": ":UTC",
    }
    for info in tables().values():
        env[info.env_var] = info.table_name(stage)
    return env


def _inputs_digest() -> str:
    """What the package is built from: a rebuild is needed only when this changes."""
    import hashlib
    import platform

    from infra import PROJECT_DIR

    digest = hashlib.sha256(f"{sys.version}|{platform.machine()}".encode())
    roots = ["app.py", "requirements.txt", ".chalice/config.json", "functions", "layers/shared",
             "infra", "vendor"]
    for root in roots:
        path = PROJECT_DIR / root
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*")
                                                     if p.is_file() and "__pycache__" not in p.parts)
        for f in files:
            digest.update(str(f.relative_to(PROJECT_DIR)).encode() + b"\0" + f.read_bytes())
    from importlib import metadata

    digest.update(metadata.version("chalice").encode())
    return digest.hexdigest()


def build(out_dir: Path, log=print) -> dict:
    """Package prod into ``out_dir`` (reused when its inputs are unchanged) and unzip it;
    returns paths and sizes."""
    from infra.package import LAYER_SITE_PACKAGES, package

    digest = _inputs_digest()
    stamp = out_dir / "inputs.sha256"
    record = out_dir / "packaged.json"
    if stamp.exists() and record.exists() and stamp.read_text() == digest \
            and Path(json.loads(record.read_text())["layer_zip"]).exists():
        log(f"  package inputs unchanged: reusing {out_dir}")
        packaged = json.loads(record.read_text())
    else:
        log(f"  packaging (infra.package --stage prod) into {out_dir}")
        packaged = package("prod", out_dir)
        record.write_text(json.dumps(packaged, indent=1))
        stamp.write_text(digest)
    root = out_dir / "lambda"
    task, opt = root / "task", root / "opt"
    for directory, archive in ((task, packaged["code_zip"]), (opt, packaged["layer_zip"])):
        if directory.exists():
            import shutil
            shutil.rmtree(directory)
        with zipfile.ZipFile(archive) as z:
            z.extractall(directory)
    return {"packaged": packaged, "task": task, "layer": opt / LAYER_SITE_PACKAGES,
            "template": json.loads(Path(packaged["template"]).read_text())}


def _probe(build_info: dict, target: str, env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE,
         str(build_info["task"]), str(build_info["layer"]), target],
        cwd=build_info["task"], env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"import probe {target} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(build_info: dict, rounds: int, log=print) -> dict:
    from infra import functions as fn

    template = build_info["template"]
    targets = {}
    for spec in fn.FUNCTIONS.values():
        handler = template["Resources"][spec.logical_id]["Properties"]["Handler"]
        module, _, attr = handler.rpartition(".")
        targets[spec.name] = (f"{module}:{attr}", lambda_env(spec, build_info["task"]))
    boto3_env = lambda_env(fn.FUNCTIONS["map"], build_info["task"])
    samples = {name: [] for name in targets}
    baseline = []
    for round_index in range(rounds):
        names = list(targets)
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_probe(build_info, *targets[name]))
            if name == names[shift]:
                baseline.append(_probe(build_info, "boto3", boto3_env))
        if (round_index + 1) % 5 == 0 or round_index + 1 == rounds:
            log(f"  cold start: {round_index + 1}/{rounds} rounds")
    boto3 = summary([s["wall_ms"] for s in baseline])
    boto3_cpu = summary([s["cpu_ms"] for s in baseline])
    sizes = build_info["packaged"]["sizes"]
    result = {}
    for name, runs in samples.items():
        wall = summary([r["wall_ms"] for r in runs])
        cpu = summary([r["cpu_ms"] for r in runs])
        result[name] = {
            "handler": targets[name][0].replace(":", "."),
            "memory_mb": fn.FUNCTIONS[name].memory_mb,
            "import_p50_ms": wall["p50"], "import_p99_ms": wall["p99"],
            "import_cpu_p50_ms": cpu["p50"],
            "boto3_import_p50_ms": boto3["p50"], "boto3_import_cpu_p50_ms": boto3_cpu["p50"],
            "ratio_to_boto3": round(wall["p50"] / boto3["p50"], 2),
            "modules_imported": runs[0]["modules"], "boto3_modules_imported": baseline[0]["modules"],
            "our_modules": runs[0]["ours"], "top_level_packages": runs[0]["top"],
            "runs": len(runs),
            "zip_bytes": {"code": sizes["code"]["zipped"], "layer": sizes["layer"]["zipped"]},
            "unzipped_bytes": {"code": sizes["code"]["unzipped"], "layer": sizes["layer"]["unzipped"]},
        }
    return result
