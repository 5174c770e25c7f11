"""The per-function deployment spec: ONE place for every deployed Lambda function.

Each gameplay feature in ``functions.FEATURES`` is its own function, plus Chalice's
built-in authorizer ``jwt_authorizer``. For each: memory, timeout, reserved
concurrency, the DynamoDB actions it may perform on which tables, and whether it reads
the game secret. The API paths a function serves are NOT typed here: they are read from
the app's route table (``routes_by_feature``), so a new route can't be forgotten.

Also here: ``GATEWAY_RESPONSES``, the JSON bodies API Gateway returns for errors it
produces itself (the same table serves ``chalice local``).

CLI: ``python -m infra.functions dev-policy [--stage dev]`` prints the IAM policy of
the single-function dev mode (``chalice deploy --stage dev``): the union of all the
functions' statements, on concrete ARNs.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from infra import APP_NAME, PROJECT_DIR, SECRET_LOGICAL_ID, secret_name, tables

AUTHORIZER = "jwt_authorizer"  # the name of Chalice's built-in authorizer function
# CloudFormation logical id Chalice gives that function (chalice.utils.to_cfn_resource_name).
AUTHORIZER_LOGICAL_ID = "JwtAuthorizer"
# GEOCRITTERS_FEATURE of the authorizer function: register no feature blueprint.
NO_FEATURE = "none"

# Timeouts stay below API Gateway's 29 s integration limit with margin; the SDK budget
# inside (3 attempts x (1 s connect + 2 s read)) is 9 s per call chain.
MAX_TIMEOUT_S = 25
LOG_RETENTION_DAYS = 30


def _frozen(access: dict[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({table: tuple(actions) for table, actions in access.items()})


@dataclass(frozen=True)
class FunctionSpec:
    """One deployed Lambda function."""

    name: str  # feature name, or AUTHORIZER
    memory_mb: int
    timeout_s: int
    reserved_concurrency: int
    # table short name (infra/template.json) -> DynamoDB actions, without "dynamodb:".
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _frozen({}))
    reads_secret: bool = True
    log_retention_days: int = LOG_RETENTION_DAYS

    @property
    def is_authorizer(self) -> bool:
        return self.name == AUTHORIZER

    @property
    def feature_env(self) -> str:
        """The GEOCRITTERS_FEATURE value this function runs with."""
        return NO_FEATURE if self.is_authorizer else self.name

    @property
    def logical_id(self) -> str:
        """CloudFormation logical id: CatchFunction; the authorizer keeps Chalice's."""
        if self.is_authorizer:
            return AUTHORIZER_LOGICAL_ID
        return f"{self.name[:1].upper()}{self.name[1:]}Function"

    def function_name_sub(self) -> str:
        """The deployed function name, as an ``Fn::Sub`` string over ${Stage}. Explicit
        names let the role's log-group ARN be written without a dependency cycle."""
        return f"{APP_NAME}-${{Stage}}-{self.name.replace('_', '-')}"

    def function_name(self, stage: str) -> str:
        return self.function_name_sub().replace("${Stage}", stage)


# Memory buys CPU (1,769 MB = 1 vCPU): cold starts are import-bound (~290 ms of CPU
# with precompiled bytecode), so the hot paths get 1 GB; the rest 512 MB.
# Reserved concurrency caps each function's blast radius (a flood of one action can't
# starve the others) and keeps the sum (760) under the default account limit of 1,000
# minus the 100 that must stay unreserved.
FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType({
    spec.name: spec
    for spec in (
        FunctionSpec("auth", memory_mb=512, timeout_s=20, reserved_concurrency=50,
                     tables=_frozen({"players": ("GetItem", "PutItem")})),
        FunctionSpec("player", memory_mb=512, timeout_s=20, reserved_concurrency=50,
                     tables=_frozen({"players": ("GetItem", "UpdateItem")})),
        FunctionSpec("map", memory_mb=1024, timeout_s=20, reserved_concurrency=200,
                     # GetItem only tells a rate-limited player from a missing one.
                     tables=_frozen({"players": ("UpdateItem", "GetItem"),
                                     "cells": ("BatchGetItem",)})),
        FunctionSpec("encounter", memory_mb=1024, timeout_s=20, reserved_concurrency=100,
                     tables=_frozen({"players": ("GetItem",),
                                     "encounters": ("GetItem", "PutItem")})),
        # TransactWriteItems is authorised per item action: Put/Update/ConditionCheck.
        # A mutating action reads with one BatchGetItem; GetItem of its action record
        # only when refused (a twin may have been applied meanwhile).
        FunctionSpec("catch", memory_mb=1024, timeout_s=20, reserved_concurrency=100,
                     tables=_frozen({
                         "players": ("BatchGetItem", "UpdateItem", "ConditionCheckItem"),
                         "encounters": ("BatchGetItem", "UpdateItem", "ConditionCheckItem"),
                         "creatures": ("PutItem", "ConditionCheckItem"),
                         "actions": ("BatchGetItem", "GetItem", "PutItem", "ConditionCheckItem"),
                     })),
        FunctionSpec("spin", memory_mb=1024, timeout_s=20, reserved_concurrency=100,
                     tables=_frozen({
                         "players": ("BatchGetItem", "UpdateItem"),
                         "visits": ("BatchGetItem", "PutItem", "UpdateItem"),
                         "actions": ("BatchGetItem", "GetItem", "PutItem"),
                         "cells": ("BatchGetItem",),  # curated stops, via the cell cache
                     })),
        FunctionSpec("items", memory_mb=512, timeout_s=20, reserved_concurrency=25,
                     tables=_frozen({"players": ("GetItem",)})),
        FunctionSpec("creatures", memory_mb=512, timeout_s=20, reserved_concurrency=50,
                     tables=_frozen({
                         "creatures": ("Query", "BatchGetItem", "UpdateItem", "DeleteItem"),
                         "players": ("BatchGetItem", "UpdateItem"),
                         "actions": ("BatchGetItem", "GetItem", "PutItem"),
                     })),
        # Verifies our own JWT: no table, the secret only. API Gateway caches its answers.
        FunctionSpec(AUTHORIZER, memory_mb=512, timeout_s=20, reserved_concurrency=85),
    )
})

# Errors API Gateway produces itself (no function ran). Body shape is the app's:
# {"error": {"code": ..., "message": ...}}. status None keeps API Gateway's own status
# (DEFAULT_4XX covers 413, 429, ...; DEFAULT_5XX covers 502, 504, ...).
GATEWAY_RESPONSES: Mapping[str, Mapping] = MappingProxyType({
    "UNAUTHORIZED": MappingProxyType({
        "status": 401, "code": "unauthorized",
        "message": "A valid bearer token is required."}),
    "ACCESS_DENIED": MappingProxyType({
        "status": 403, "code": "forbidden",
        "message": "This token is not allowed to make this request."}),
    # API Gateway answers an unknown path or method with 403 "Missing Authentication
    # Token"; a client should see what it is.
    "MISSING_AUTHENTICATION_TOKEN": MappingProxyType({
        "status": 404, "code": "not_found",
        "message": "No such route."}),
    # Stage/account throttling: tell clients when to come back, as api.md promises.
    "THROTTLED": MappingProxyType({
        "status": 429, "code": "rate_limited", "retry_after_s": 1,
        "message": "Too many requests; retry after the Retry-After delay."}),
    "DEFAULT_4XX": MappingProxyType({
        "status": None, "code": "request_rejected",
        "message": "The request was rejected by the API gateway."}),
    "DEFAULT_5XX": MappingProxyType({
        "status": None, "code": "unavailable", "retry_after_s": 1,
        "message": "The service is temporarily unavailable; retry later."}),
})


def gateway_response_body(response_type: str) -> str:
    entry = GATEWAY_RESPONSES[response_type]
    return json.dumps({"error": {"code": entry["code"], "message": entry["message"]}})


def validate_specs() -> None:
    """Fail loudly when the spec and the code/template disagree."""
    from functions import FEATURES

    expected = set(FEATURES) | {AUTHORIZER}
    if set(FUNCTIONS) != expected:
        raise ValueError(f"infra/functions.py FUNCTIONS {sorted(FUNCTIONS)} != features + "
                         f"authorizer {sorted(expected)}")
    known_tables = tables()
    for spec in FUNCTIONS.values():
        if not 0 < spec.timeout_s <= MAX_TIMEOUT_S:
            raise ValueError(f"{spec.name}: timeout {spec.timeout_s} s not in 1..{MAX_TIMEOUT_S}")
        for table, actions in spec.tables.items():
            if table not in known_tables:
                raise ValueError(f"{spec.name}: unknown table {table!r}")
            for action in actions:
                if not action.isalpha() or action.endswith("*"):
                    raise ValueError(f"{spec.name}: bad DynamoDB action {action!r}")


# ----------------------------------------------------------------------------------
# Routes, from the app's own route table


def _import_full_app():
    """The ``app`` module with every feature registered."""
    selected = os.environ.get("GEOCRITTERS_FEATURE")
    module = sys.modules.get("app")
    if module is None:
        shared = str(PROJECT_DIR / "layers" / "shared")
        for path in (str(PROJECT_DIR), shared):
            if path not in sys.path:
                sys.path.insert(0, path)
        if selected:
            os.environ.pop("GEOCRITTERS_FEATURE")
        try:
            module = importlib.import_module("app")
        finally:
            if selected:
                os.environ["GEOCRITTERS_FEATURE"] = selected
    return module


def routes_by_feature(chalice_app=None) -> dict[str, list[tuple[str, str]]]:
    """feature -> sorted [(path, METHOD)] of the routes its blueprint registers, read
    from the app's route table (the view function's module is ``functions.<feature>``)."""
    from functions import FEATURES

    if chalice_app is None:
        chalice_app = _import_full_app().app
    result: dict[str, list[tuple[str, str]]] = {feature: [] for feature in FEATURES}
    for path, methods in chalice_app.routes.items():
        for method, entry in methods.items():
            module = getattr(entry.view_function, "__module__", "") or ""
            parts = module.split(".")
            if len(parts) < 2 or parts[0] != "functions" or parts[1] not in result:
                raise ValueError(
                    f"route {method} {path} is served by {module}.{entry.view_name}, which "
                    "is not a feature module functions.<feature>: every route must belong "
                    "to exactly one deployed function"
                )
            result[parts[1]].append((path, method.upper()))
    missing = [feature for feature, routes in result.items() if not routes]
    if missing:
        raise ValueError(
            f"features without routes: {missing} (was the app imported with "
            "GEOCRITTERS_FEATURE set? the full route table needs it unset)"
        )
    return {feature: sorted(routes) for feature, routes in result.items()}


# ----------------------------------------------------------------------------------
# IAM


@dataclass(frozen=True)
class _ArnStyle:
    table: Callable[[str], object]  # short table name -> table ARN
    index: Callable[[str], object]  # short table name -> its indexes' ARN pattern
    secret: Callable[[], object]
    log_streams: Callable[[FunctionSpec], object]


def _cfn_style() -> _ArnStyle:
    info = tables()
    return _ArnStyle(
        table=lambda t: {"Fn::GetAtt": [info[t].logical_id, "Arn"]},
        index=lambda t: {"Fn::Sub": f"${{{info[t].logical_id}.Arn}}/index/*"},
        secret=lambda: {"Ref": SECRET_LOGICAL_ID},
        log_streams=lambda spec: {"Fn::Sub": (
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
            f"/aws/lambda/{spec.function_name_sub()}:*")},
    )


def _concrete_style(stage: str) -> _ArnStyle:
    info = tables()
    return _ArnStyle(
        table=lambda t: f"arn:aws:dynamodb:*:*:table/{info[t].table_name(stage)}",
        index=lambda t: f"arn:aws:dynamodb:*:*:table/{info[t].table_name(stage)}/index/*",
        # Secrets Manager appends 6 random characters to a secret's ARN.
        secret=lambda: f"arn:aws:secretsmanager:*:*:secret:{secret_name(stage)}-??????",
        # chalice deploy names functions geocritters-<stage>[-<name>].
        log_streams=lambda spec: f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}*",
    )


def _statements(spec: FunctionSpec, style: _ArnStyle) -> list[dict]:
    info = tables()
    statements: list[dict] = []
    for table, actions in spec.tables.items():
        resources = [style.table(table)]
        if info[table].has_indexes and set(actions) & {"Query", "Scan"}:
            resources.append(style.index(table))
        statements.append({
            "Sid": f"DynamoDB{info[table].logical_id}",
            "Effect": "Allow",
            "Action": [f"dynamodb:{action}" for action in actions],
            "Resource": resources,
        })
    if spec.reads_secret:
        statements.append({
            "Sid": "ReadGameSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [style.secret()],
        })
    statements.append({
        "Sid": "OwnLogGroup",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [style.log_streams(spec)],
    })
    statements.append({
        # X-Ray has no resource-level permissions for these actions.
        "Sid": "XRayTraces",
        "Effect": "Allow",
        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        "Resource": ["*"],
    })
    return statements


def policy_document(name: str) -> dict:
    """The function's IAM policy, with CloudFormation intrinsics for the ARNs."""
    return {"Version": "2012-10-17", "Statement": _statements(FUNCTIONS[name], _cfn_style())}


def dynamodb_grants(name: str) -> dict[str, set[str]]:
    """table short name -> {"dynamodb:Action", ...}: what the spec grants (for tests)."""
    return {table: {f"dynamodb:{a}" for a in actions}
            for table, actions in FUNCTIONS[name].tables.items()}


def dev_policy(stage: str = "dev") -> dict:
    """The single-function dev mode's policy: every function's statements, merged."""
    style = _concrete_style(stage)
    merged: dict[tuple, set] = {}
    sids: dict[tuple, str] = {}
    for spec in FUNCTIONS.values():
        for statement in _statements(spec, style):
            key = tuple(statement["Resource"])
            merged.setdefault(key, set()).update(statement["Action"])
            sids.setdefault(key, statement["Sid"])
    logs = ("logs:CreateLogGroup",)  # chalice deploy doesn't pre-create log groups
    statements = []
    for resources, actions in merged.items():
        if any(r.startswith("arn:aws:logs:") for r in resources):
            actions = actions | set(logs)
        statements.append({"Sid": sids[resources], "Effect": "Allow",
                           "Action": sorted(actions), "Resource": list(resources)})
    return {"Version": "2012-10-17", "Statement": statements}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.functions")
    sub = parser.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev-policy", help="print the dev-mode IAM policy (JSON)")
    dev.add_argument("--stage", default="dev")
    sub.add_parser("routes", help="print feature -> routes (JSON)")
    args = parser.parse_args(argv)
    if args.command == "dev-policy":
        print(json.dumps(dev_policy(args.stage), indent=2))
    else:
        print(json.dumps(routes_by_feature(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
