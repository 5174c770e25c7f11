"""Build the deployable CloudFormation/SAM template: one Lambda per gameplay action.

    python -m infra.package --stage prod [--build-dir build]

writes ``build/<stage>/``::

    merge-template.json     generated from infra/template.json + infra/functions.py
    chalice-out/            raw ``chalice package`` output (sam.json + zips)
    template.json           the final template (deploy it with sam/aws cloudformation)
    deployment.zip          app.py + chalice runtime, with .pyc     (CodeUri ./deployment.zip)
    layer-deployment.zip    requirements + geocritters + functions, with .pyc
                            (ContentUri ./layer-deployment.zip)

How the fan-out works
---------------------
Chalice puts every route behind ONE function (``APIHandler``) and the built-in
authorizer in another (``JwtAuthorizer``). ``chalice package --merge-template`` deep-merges
a template into its own, and that is how everything is ADDED here:

* the stateful resources of infra/template.json (tables, secret) and its ``Stage``
  parameter (default: the packaged stage);
* per feature: ``<Feature>Function`` (same code zip and managed layer as APIHandler,
  ``Handler: app.app``, ``GEOCRITTERS_FEATURE=<feature>`` so it imports and registers
  only its own blueprint), its own ``AWS::IAM::Role`` with one inline least-privilege
  policy (an explicit Role, because SAM's ``Policies`` would attach the managed
  AWSLambdaBasicExecutionRole/AWSXrayWriteOnlyAccess policies), its own log group, its
  own ``AWS::Lambda::Permission`` for API Gateway;
* the authorizer's own role, log group, settings and ``GEOCRITTERS_FEATURE=none``;
* in the REST API's swagger: each route's integration URI re-pointed at its feature's
  function, ``x-amazon-apigateway-gateway-responses`` (JSON error bodies), and
  ``TracingEnabled``.

A deep merge can add and overwrite but never delete, so a short post-processing step on
Chalice's output REMOVES what the fan-out makes dead: ``APIHandler`` (it would serve no
path but still be deployed, with a role), its invoke permission and outputs, and
Chalice's shared ``DefaultRole`` (no function uses it any more). The post-processor
then verifies that no path integrates with APIHandler and nothing references it.

Gateway responses are swagger extensions rather than separate
``AWS::ApiGateway::GatewayResponse`` resources: a GatewayResponse change only takes
effect after a new API deployment, and SAM creates a new deployment only when the
DefinitionBody changes; separate resources could also be created after the deployment
and silently not be live. Inside DefinitionBody they are deployed with the API.

Bytecode: Lambda's code directories are read-only, so without ``.pyc`` in the zips
every cold start compiles every module (~690 ms vs ~290 ms measured). Both zips are
rewritten with ``compileall --invalidation-mode unchecked-hash`` (zip timestamps would
make timestamp-checked pycs stale) by this interpreter, which must be the runtime's
Python minor version. Sources are kept; entry timestamps are normalised so the same
input gives byte-identical zips.

Dev mode: ``chalice deploy --stage dev`` deploys Chalice's default shape, ONE function
serving every feature (GEOCRITTERS_FEATURE unset) with the union policy in
``.chalice/policy-dev.json`` (``python -m infra.functions dev-policy``). It is for
quick experiments; the per-action functions exist only through this packager.
"""
from __future__ import annotations

import argparse
import compileall
import copy
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from infra import PROJECT_DIR, alarms, load_template, tables
from infra import functions as fn
from infra.provision import app_environment

RUNTIME = "python3.11"
RUNTIME_VERSION = (3, 11)
LAYER_SITE_PACKAGES = f"python/lib/{RUNTIME}/site-packages"
LAMBDA_TASK_ROOT = "/var/task"
LAMBDA_LAYER_ROOT = "/opt"
CHALICE_HANDLER = "APIHandler"
CHALICE_LAYER = "ManagedLayer"
CHALICE_ROLE = "DefaultRole"
REST_API = "RestAPI"
CODE_ZIP = "deployment.zip"
LAYER_ZIP = "layer-deployment.zip"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_INVOCATION_URI = (
    "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
    "${%s.Arn}/invocations"
)


class PackagingError(RuntimeError):
    pass


def check_runtime() -> None:
    if sys.version_info[:2] != RUNTIME_VERSION:
        raise PackagingError(
            f"packaging needs Python {'.'.join(map(str, RUNTIME_VERSION))} (the Lambda "
            f"runtime {RUNTIME}): Chalice picks the runtime and wheels from this "
            f"interpreter and the .pyc magic number must match; this is "
            f"{sys.version.split()[0]}"
        )


# ----------------------------------------------------------------------------------
# The merge template


def _function_environment(stage: str, spec: fn.FunctionSpec) -> dict:
    env = dict(app_environment(stage))
    env["STAGE"] = {"Ref": "Stage"}
    env["GEOCRITTERS_FEATURE"] = spec.feature_env
    return env


def _role(spec: fn.FunctionSpec) -> dict:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": {"Fn::Sub": f"geocritters ${{Stage}} {spec.name} function"},
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }],
            },
            "Policies": [{
                "PolicyName": {"Fn::Sub": f"geocritters-${{Stage}}-{spec.name}"},
                "PolicyDocument": fn.policy_document(spec),
            }],
        },
    }


def _log_group(spec: fn.FunctionSpec) -> dict:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/{spec.function_name_sub()}"},
            "RetentionInDays": spec.log_retention_days,
        },
    }


def _function_properties(stage: str, spec: fn.FunctionSpec) -> dict:
    """What every function gets, the authorizer included."""
    return {
        "FunctionName": {"Fn::Sub": spec.function_name_sub()},
        "MemorySize": spec.memory_mb,
        "Timeout": spec.timeout_s,
        "ReservedConcurrentExecutions": spec.reserved_concurrency,
        "Tracing": "Active",
        "Role": {"Fn::GetAtt": [f"{spec.logical_id}Role", "Arn"]},
        "Environment": {"Variables": _function_environment(stage, spec)},
    }


def _permission(spec: fn.FunctionSpec) -> dict:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": {"Fn::GetAtt": [spec.logical_id, "Arn"]},
            "Action": "lambda:InvokeFunction",
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": [
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}"
                ":${RestAPIId}/*",
                {"RestAPIId": {"Ref": REST_API}},
            ]},
        },
    }


# The managed policy an operator (a user, group or role) is given to run
# ``python -m infra.events``: it may invoke the admin routes, and nothing else of the API.
OPERATOR_POLICY = "EventsOperatorPolicy"
API_STAGE = "api"  # .chalice/config.json api_gateway_stage


def operator_route_arn(method: str, path: str) -> dict:
    """The execute-api ARN of one route (a path parameter matches one segment: ``*``)."""
    resource = re.sub(r"\{[^/]+\}", "*", path)
    return {"Fn::Sub": [
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}"
        f":${{RestAPIId}}/{API_STAGE}/{method}{resource}",
        {"RestAPIId": {"Ref": REST_API}},
    ]}


def _operator_policy(operator_routes: list[tuple[str, str]]) -> dict:
    return {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Description": {"Fn::Sub": "geocritters ${Stage}: create, list and cancel live events"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "execute-api:Invoke",
                "Resource": [operator_route_arn(method, path) for method, path in operator_routes],
            }]},
        },
    }


def _stream_resources(spec: fn.FunctionSpec) -> dict:
    """A stream-fed function's event source mapping and dead-letter queue. Chalice's
    ``on_dynamodb_record`` can't do this: it needs a literal stream ARN and has none of
    these knobs. A record that keeps failing is retried ``max_retries`` times, the batch
    bisected around it each time; once it has used them (or grown older than
    ``max_record_age_s``) its metadata goes to the queue and the shard moves on, so one
    poison record can't block the stream. Records the handler names in
    ``batchItemFailures`` are the only ones retried."""
    stream = spec.stream
    queue = fn.dead_letter_queue_id(spec)
    table = tables()[stream.table].logical_id
    return {
        queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "MessageRetentionPeriod": 14 * 24 * 3600,  # SQS's longest: time to look
                "SqsManagedSseEnabled": True,
                "Tags": [{"Key": "app", "Value": "geocritters"},
                         {"Key": "function", "Value": spec.name}],
            },
        },
        f"{spec.logical_id}StreamMapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            # The role must allow reading the stream before the mapping is created.
            "DependsOn": [f"{spec.logical_id}Role"],
            "Properties": {
                "FunctionName": {"Ref": spec.logical_id},
                "EventSourceArn": {"Fn::GetAtt": [table, "StreamArn"]},
                "StartingPosition": stream.starting_position,
                "BatchSize": stream.batch_size,
                "MaximumBatchingWindowInSeconds": stream.batching_window_s,
                "MaximumRetryAttempts": stream.max_retries,
                "MaximumRecordAgeInSeconds": stream.max_record_age_s,
                "BisectBatchOnFunctionError": True,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "DestinationConfig": {"OnFailure": {
                    "Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
            },
        },
    }


def _schedule_resources(spec: fn.FunctionSpec) -> dict:
    """A scheduled function's EventBridge rule and the permission to invoke it."""
    rule = f"{spec.logical_id}Schedule"
    return {
        rule: {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": {"Fn::Sub": f"geocritters ${{Stage}} {spec.name}"},
                "ScheduleExpression": spec.schedule.expression,
                "State": "ENABLED",
                "Targets": [{"Arn": {"Fn::GetAtt": [spec.logical_id, "Arn"]},
                             "Id": spec.logical_id}],
            },
        },
        f"{rule}Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Fn::GetAtt": [spec.logical_id, "Arn"]},
                "Action": "lambda:InvokeFunction",
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
            },
        },
    }


def gateway_responses() -> dict:
    """``x-amazon-apigateway-gateway-responses`` from fn.GATEWAY_RESPONSES."""
    result = {}
    for response_type, entry in fn.GATEWAY_RESPONSES.items():
        response = {
            "responseParameters": {
                "gatewayresponse.header.Content-Type": "'application/json'",
            },
            "responseTemplates": {
                "application/json": fn.gateway_response_body(response_type),
            },
        }
        if entry["status"] is not None:
            response["statusCode"] = str(entry["status"])
        if entry.get("retry_after_s"):
            response["responseParameters"]["gatewayresponse.header.Retry-After"] = \
                f"'{entry['retry_after_s']}'"
        result[response_type] = response
    return result


def build_merge_template(stage: str, routes: dict[str, list[tuple[str, str]]],
                         specs=None) -> dict:
    """The template ``chalice package --merge-template`` deep-merges into its own.
    ``specs``: the functions (default: every declared feature + the authorizer)."""
    specs = fn.FUNCTIONS if specs is None else specs
    fn.validate_specs(specs)
    infra = load_template()
    parameters = copy.deepcopy(infra["Parameters"])
    parameters["Stage"]["Default"] = stage
    resources = dict(infra["Resources"])
    outputs = dict(infra["Outputs"])
    paths: dict = {}

    for spec in specs.values():
        resources[f"{spec.logical_id}Role"] = _role(spec)
        resources[f"{spec.logical_id}LogGroup"] = _log_group(spec)
        outputs[f"{spec.logical_id}Name"] = {"Value": {"Ref": spec.logical_id}}
        properties = _function_properties(stage, spec)
        if spec.is_authorizer:
            # Chalice generates this function (and its invoke permission); we only
            # overwrite what differs.
            resources[spec.logical_id] = {
                "DependsOn": [f"{spec.logical_id}LogGroup"],
                "Properties": properties,
            }
            continue
        properties.update({
            "CodeUri": f"./{CODE_ZIP}",
            "Handler": spec.handler,
            "Runtime": RUNTIME,
            "Layers": [{"Ref": CHALICE_LAYER}],
            "Tags": {"app": "geocritters", "stage": stage, "function": spec.name},
        })
        resources[spec.logical_id] = {
            "Type": "AWS::Serverless::Function",
            "DependsOn": [f"{spec.logical_id}LogGroup"],
            "Properties": properties,
        }
        if spec.stream is not None:
            resources.update(_stream_resources(spec))
            continue
        if spec.schedule is not None:
            resources.update(_schedule_resources(spec))
            continue
        resources[f"{spec.logical_id}InvokePermission"] = _permission(spec)
        for path, method in routes[spec.name]:
            paths.setdefault(path, {})[method.lower()] = {
                "x-amazon-apigateway-integration": {
                    "uri": {"Fn::Sub": _INVOCATION_URI % spec.logical_id},
                },
            }

    operators = fn.operator_routes()
    if operators:
        resources[OPERATOR_POLICY] = _operator_policy(operators)
        outputs[f"{OPERATOR_POLICY}Arn"] = {"Value": {"Ref": OPERATOR_POLICY}}
    # The runbook's alarms and dashboard (docs/launch.md), from the same declarations.
    parameters.update(alarms.PARAMETERS)
    resources.update(alarms.resources(specs))
    outputs.update(alarms.OUTPUTS)
    resources[REST_API] = {
        "Properties": {
            "TracingEnabled": True,
            # Without it SAM also deploys a stage named "Stage" (untraced) beside ours.
            "OpenApiVersion": "2.0",
            "DefinitionBody": {
                "paths": paths,
                "x-amazon-apigateway-gateway-responses": gateway_responses(),
            },
        },
    }
    return {
        "Description": (f"geocritters {stage}: one REST API, one Lambda function per "
                        "gameplay action, the tables and the game secret"),
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    }


# ----------------------------------------------------------------------------------
# Post-processing of Chalice's output


def _references(node, logical_id: str) -> bool:
    """Whether a template fragment refers to a resource (Ref, GetAtt, Sub, DependsOn)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and value == logical_id:
                return True
            if key == "Fn::GetAtt" and (
                (isinstance(value, list) and value and value[0] == logical_id)
                or (isinstance(value, str) and value.split(".")[0] == logical_id)
            ):
                return True
            if key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str) and (f"${{{logical_id}}}" in text
                                              or f"${{{logical_id}." in text):
                    return True
            if key == "DependsOn" and logical_id in (
                    value if isinstance(value, list) else [value]):
                return True
            if _references(value, logical_id):
                return True
    elif isinstance(node, list):
        return any(_references(item, logical_id) for item in node)
    return False


def integrations(template: dict) -> dict[tuple[str, str], str]:
    """(path, METHOD) -> logical id of the Lambda function the swagger integrates with."""
    body = template["Resources"][REST_API]["Properties"]["DefinitionBody"]
    result = {}
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            integration = operation.get("x-amazon-apigateway-integration", {})
            if integration.get("type") != "aws_proxy":
                continue  # e.g. CORS preflight mock integrations
            sub = integration["uri"]["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) else sub
            start = text.index("/functions/${") + len("/functions/${")
            result[(path, method.upper())] = text[start:text.index(".Arn}", start)]
    return result


def finalize(template: dict, routes: dict[str, list[tuple[str, str]]], specs=None) -> dict:
    """Remove what the fan-out made dead and check the result."""
    specs = fn.FUNCTIONS if specs is None else specs
    template = copy.deepcopy(template)
    resources = template["Resources"]
    handler = resources.get(CHALICE_HANDLER)
    if handler is None or resources.get(CHALICE_LAYER, {}).get("Type") != \
            "AWS::Serverless::LayerVersion":
        raise PackagingError("unexpected chalice output: no APIHandler or ManagedLayer "
                             "(is automatic_layer on in .chalice/config.json?)")
    if handler["Properties"]["Runtime"] != RUNTIME:
        raise PackagingError(f"chalice chose {handler['Properties']['Runtime']}, "
                             f"expected {RUNTIME}")
    code_uri = handler["Properties"]["CodeUri"]
    for spec in specs.values():
        if resources[spec.logical_id]["Properties"].get("CodeUri") != code_uri:
            raise PackagingError(f"{spec.logical_id} CodeUri differs from {code_uri}")

    expected = {(path, method): specs[feature].logical_id
                for feature, pairs in routes.items() for path, method in pairs}
    actual = integrations(template)
    if actual != expected:
        raise PackagingError(f"swagger integrations {actual} != routes {expected}")

    # The deep merge can't delete: drop the now path-less catch-all function and what
    # only exists for it, then Chalice's shared role that no function uses any more.
    for logical_id in (CHALICE_HANDLER, f"{CHALICE_HANDLER}InvokePermission"):
        resources.pop(logical_id, None)
    for output in ("APIHandlerName", "APIHandlerArn"):
        template["Outputs"].pop(output, None)
    if CHALICE_ROLE in resources and not _references(
            {k: v for k, v in resources.items() if k != CHALICE_ROLE}, CHALICE_ROLE):
        resources.pop(CHALICE_ROLE)
    for gone in (CHALICE_HANDLER, CHALICE_ROLE):
        if gone in resources or _references(template, gone):
            raise PackagingError(f"{gone} is still in the template or referenced")
    return template


# ----------------------------------------------------------------------------------
# Bytecode


def _is_bytecode(name: str) -> bool:
    return name.endswith((".pyc", ".pyo")) or "/__pycache__/" in f"/{name}"


def add_bytecode(src_zip: Path, dst_zip: Path, *, source_root: str, lambda_dir: str) -> dict:
    """Copy ``src_zip`` to ``dst_zip`` without any stale bytecode, adding a
    ``__pycache__/*.cpython-311.pyc`` (unchecked-hash) next to every ``.py`` under
    ``source_root`` (a directory inside the zip; "" = its root). ``lambda_dir`` is where
    that root lands in Lambda, recorded in the code objects for tracebacks."""
    stats = {"py": 0, "pyc": 0, "failed": []}
    with tempfile.TemporaryDirectory(prefix="geocritters-pyc-") as tmp:
        tmp_path = Path(tmp)
        with zipfile.ZipFile(src_zip) as source, \
                zipfile.ZipFile(dst_zip, "w", zipfile.ZIP_DEFLATED) as out:
            entries = sorted((i for i in source.infolist() if not _is_bytecode(i.filename)),
                             key=lambda i: i.filename)
            for info in entries:
                data = source.read(info)
                if info.is_dir():
                    continue
                target = tmp_path / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
                entry.external_attr = info.external_attr or (0o100644 << 16)
                entry.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(entry, data)
            root = tmp_path / source_root if source_root else tmp_path
            # quiet=2: a few packages ship py2-only files (tests, examples); those get no
            # .pyc and are listed in stats["failed"] instead of failing the build.
            compileall.compile_dir(
                str(root), quiet=2, workers=os.cpu_count() or 1,
                ddir=lambda_dir, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
            tag = sys.implementation.cache_tag
            for py in sorted(root.rglob("*.py")):
                stats["py"] += 1
                pyc = py.parent / "__pycache__" / f"{py.stem}.{tag}.pyc"
                if not pyc.exists():
                    stats["failed"].append(str(py.relative_to(tmp_path)))
                    continue
                entry = zipfile.ZipInfo(str(pyc.relative_to(tmp_path)),
                                        date_time=_FIXED_ZIP_TIME)
                entry.external_attr = 0o100644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(entry, pyc.read_bytes())
                stats["pyc"] += 1
    return stats


# ----------------------------------------------------------------------------------
# The whole build


def _zip_sizes(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {"zipped": path.stat().st_size,
                "unzipped": sum(i.file_size for i in z.infolist()),
                "files": len(z.infolist())}


def run_chalice_package(stage: str, merge_template: Path, out_dir: Path,
                        project_dir: Path = PROJECT_DIR) -> None:
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.pop("GEOCRITTERS_FEATURE", None)  # packaging must see every route
    command = [
        sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())",
        "--project-dir", str(project_dir),
        "package", "--stage", stage, "--pkg-format", "cloudformation",
        "--template-format", "json", "--merge-template", str(merge_template), str(out_dir),
    ]
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise PackagingError(f"chalice package failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")


def package(stage: str, build_dir: Path | str = PROJECT_DIR / "build",
            project_dir: Path = PROJECT_DIR) -> dict:
    """Package ``stage`` into ``<build_dir>/<stage>/``; returns paths, sizes and timings."""
    check_runtime()
    started = time.perf_counter()
    out = Path(build_dir).resolve() / stage
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    routes = fn.routes_by_feature()
    merge = build_merge_template(stage, routes)
    merge_path = out / "merge-template.json"
    merge_path.write_text(json.dumps(merge, indent=2) + "\n", encoding="utf-8")

    chalice_out = out / "chalice-out"
    run_chalice_package(stage, merge_path, chalice_out, project_dir)
    packaged = time.perf_counter()

    sam = json.loads((chalice_out / "sam.json").read_text(encoding="utf-8"))
    template = finalize(sam, routes)
    code_stats = add_bytecode(chalice_out / CODE_ZIP, out / CODE_ZIP,
                              source_root="", lambda_dir=LAMBDA_TASK_ROOT)
    layer_stats = add_bytecode(chalice_out / LAYER_ZIP, out / LAYER_ZIP,
                               source_root=LAYER_SITE_PACKAGES,
                               lambda_dir=f"{LAMBDA_LAYER_ROOT}/{LAYER_SITE_PACKAGES}")
    # Chalice's post-processor already wrote these relative to its out dir; the zips
    # sit beside template.json under the same names, so the URIs stay valid.
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            assert props["CodeUri"] == f"./{CODE_ZIP}", props["CodeUri"]
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            assert props["ContentUri"] == f"./{LAYER_ZIP}", props["ContentUri"]
    template_path = out / "template.json"
    template_path.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    finished = time.perf_counter()
    return {
        "stage": stage,
        "dir": str(out),
        "template": str(template_path),
        "merge_template": str(merge_path),
        "code_zip": str(out / CODE_ZIP),
        "layer_zip": str(out / LAYER_ZIP),
        "sizes": {"code": _zip_sizes(out / CODE_ZIP), "layer": _zip_sizes(out / LAYER_ZIP)},
        "bytecode": {"code": code_stats, "layer": layer_stats},
        "seconds": {"chalice_package": round(packaged - started, 1),
                    "total": round(finished - started, 1)},
        "functions": {spec.logical_id: spec.function_name(stage)
                      for spec in fn.FUNCTIONS.values()},
        "tables": {info.logical_id: info.table_name(stage) for info in tables().values()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.package",
        description="chalice package + per-action functions + bytecode -> build/<stage>/")
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--build-dir", default=str(PROJECT_DIR / "build"))
    args = parser.parse_args(argv)
    try:
        result = package(args.stage, args.build_dir)
    except PackagingError as error:
        print(f"packaging failed: {error}", file=sys.stderr)
        return 1
    mb = 1024 * 1024
    sizes = result["sizes"]
    print(f"template: {result['template']}")
    for kind in ("code", "layer"):
        s = sizes[kind]
        print(f"{kind:5} zip: {s['zipped'] / mb:6.2f} MB zipped, {s['unzipped'] / mb:6.2f} MB "
              f"unzipped, {s['files']} files, {result['bytecode'][kind]['pyc']} .pyc")
    failed = result["bytecode"]["code"]["failed"] + result["bytecode"]["layer"]["failed"]
    if failed:
        print(f"no bytecode for {len(failed)} file(s) that don't compile: "
              f"{', '.join(failed[:5])}{' ...' if len(failed) > 5 else ''}")
    print(f"functions: {', '.join(result['functions'].values())}")
    print(f"took {result['seconds']['total']} s "
          f"(chalice package {result['seconds']['chalice_package']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
