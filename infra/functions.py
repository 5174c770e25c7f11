"""The deployed Lambda functions, derived from the features' declarations.

Each gameplay feature (``functions/<name>.py``) declares its routes and its
``Deployment`` (memory, timeout, reserved concurrency, the DynamoDB actions it may
perform on which tables, whether it reads the game secret); Chalice's built-in
authorizer ``jwt_authorizer`` declares its own in ``edge/auth.py``. This module turns
those declarations into ``FunctionSpec``s, IAM policies and the route table: nothing
about a function is typed here.

Also here: ``GATEWAY_RESPONSES``, the JSON bodies API Gateway returns for errors it
produces itself (the same table serves ``chalice local``).

CLI: ``python -m infra.functions dev-policy [--stage dev]`` prints the IAM policy of
the single-function dev mode (``chalice deploy --stage dev``): the union of all the
functions' statements, on concrete ARNs.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from infra import APP_NAME, PROJECT_DIR, SECRET_LOGICAL_ID, load_template, secret_name, tables

AUTHORIZER = "jwt_authorizer"  # the name of Chalice's built-in authorizer function
# CloudFormation logical id Chalice gives that function (chalice.utils.to_cfn_resource_name).
AUTHORIZER_LOGICAL_ID = "JwtAuthorizer"
# GEOCRITTERS_FEATURE of the authorizer function: register no feature blueprint.
NO_FEATURE = "none"

# Timeouts stay below API Gateway's 29 s integration limit with margin; the SDK budget
# inside (3 attempts x (1 s connect + 2 s read)) is 9 s per call chain.
MAX_TIMEOUT_S = 25
LOG_RETENTION_DAYS = 30
# AWS keeps 100 of the default 1,000 account concurrency unreserved: the sum of every
# function's reserved concurrency must leave room for that.
MAX_TOTAL_RESERVED_CONCURRENCY = 900


@dataclass(frozen=True)
class FunctionSpec:
    """One deployed Lambda function."""

    name: str  # feature name, or AUTHORIZER
    memory_mb: int
    timeout_s: int
    reserved_concurrency: int
    # table short name (infra/template.json) -> DynamoDB actions, without "dynamodb:".
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    reads_secret: bool = True
    log_retention_days: int = LOG_RETENTION_DAYS
    # A non-HTTP function's source (edge.feature.StreamSource / Schedule), if any.
    stream: object | None = None
    schedule: object | None = None

    @classmethod
    def declared(cls, name: str, deployment, feature=None) -> FunctionSpec:
        """The spec of a declared ``edge.deployment.Deployment`` (and of the feature's
        stream or schedule, when it has one)."""
        return cls(name=name, memory_mb=deployment.memory_mb, timeout_s=deployment.timeout_s,
                   reserved_concurrency=deployment.reserved_concurrency,
                   tables=deployment.tables, reads_secret=deployment.reads_secret,
                   stream=getattr(feature, "stream", None),
                   schedule=getattr(feature, "schedule", None))

    @property
    def handler(self) -> str:
        """Lambda's Handler: Chalice's app for routes, the feature module's function
        for a stream or a schedule (the module ships in the layer, beside the app)."""
        source = self.stream or self.schedule
        return f"functions.{self.name}.{source.handler}" if source is not None else "app.app"

    @property
    def serves_routes(self) -> bool:
        return self.stream is None and self.schedule is None

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
        # board_aggregator -> BoardAggregatorFunction (logical ids are alphanumeric).
        return "".join(part[:1].upper() + part[1:] for part in self.name.split("_")) + "Function"

    def function_name_sub(self) -> str:
        """The deployed function name, as an ``Fn::Sub`` string over ${Stage}. Explicit
        names let the role's log-group ARN be written without a dependency cycle."""
        return f"{APP_NAME}-${{Stage}}-{self.name.replace('_', '-')}"

    def function_name(self, stage: str) -> str:
        return self.function_name_sub().replace("${Stage}", stage)


def _ensure_importable() -> None:
    """The feature modules and app.py sit at the project root (the shared package's path
    is set by ``infra``)."""
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))


def declared_features() -> list:
    """Every feature's declaration (``functions/<name>.py``: ``feature``)."""
    _ensure_importable()
    from functions import load_features

    return load_features()


def function_specs(features: Iterable | None = None) -> Mapping[str, FunctionSpec]:
    """One spec per declared feature, plus the authorizer's."""
    _ensure_importable()
    from geocritters.edge.auth import AUTHORIZER_DEPLOYMENT

    features = declared_features() if features is None else list(features)
    specs = [FunctionSpec.declared(f.name, f.deployment, f) for f in features]
    specs.append(FunctionSpec.declared(AUTHORIZER, AUTHORIZER_DEPLOYMENT))
    return MappingProxyType({spec.name: spec for spec in specs})


@functools.cache
def _all_specs() -> Mapping[str, FunctionSpec]:
    return function_specs()


def __getattr__(name: str):
    # ``FUNCTIONS`` is computed on first use: it imports every feature module, which
    # the gateway-responses table (used by chalice local) has no need for.
    if name == "FUNCTIONS":
        return _all_specs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    # An operator route (AWS_IAM) called without a complete SigV4 signature: a player's
    # Bearer token, say.
    "INCOMPLETE_SIGNATURE": MappingProxyType({
        "status": 403, "code": "signature_required",
        "message": "This route needs an AWS SigV4 signature of an operator's IAM credentials."}),
    # ... or with a signature that doesn't match the request (or has expired).
    "INVALID_SIGNATURE": MappingProxyType({
        "status": 403, "code": "invalid_signature",
        "message": "The request's AWS SigV4 signature does not match."}),
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


def validate_specs(specs: Mapping[str, FunctionSpec] | None = None) -> None:
    """Fail loudly when a declaration asks for what the deployment can't give."""
    specs = _all_specs() if specs is None else specs
    known_tables = tables()
    template = load_template()["Resources"]
    for spec in specs.values():
        if spec.stream is not None:
            table = spec.stream.table
            if table not in known_tables or "StreamSpecification" not in \
                    template[known_tables[table].logical_id]["Properties"]:
                raise ValueError(f"{spec.name}: table {table!r} has no stream in the template")
            if spec.stream.max_retries < 0 or spec.stream.max_retries > 10_000 \
                    or not 60 <= spec.stream.max_record_age_s <= 604_800:
                raise ValueError(f"{spec.name}: retries and record age must be bounded")
        if not 0 < spec.timeout_s <= MAX_TIMEOUT_S:
            raise ValueError(f"{spec.name}: timeout {spec.timeout_s} s not in 1..{MAX_TIMEOUT_S}")
        if spec.reserved_concurrency <= 0:
            raise ValueError(f"{spec.name}: reserved concurrency must be positive")
        for table, actions in spec.tables.items():
            if table not in known_tables:
                raise ValueError(f"{spec.name}: unknown table {table!r}")
            for action in actions:
                if not action.isalpha() or action.endswith("*"):
                    raise ValueError(f"{spec.name}: bad DynamoDB action {action!r}")
    total = sum(spec.reserved_concurrency for spec in specs.values())
    if total > MAX_TOTAL_RESERVED_CONCURRENCY:
        raise ValueError(f"reserved concurrency adds up to {total}, over "
                         f"{MAX_TOTAL_RESERVED_CONCURRENCY}")


# ----------------------------------------------------------------------------------
# Routes: declared by the features, checked against the app's own route table


def _import_full_app():
    """The ``app`` module with every feature registered."""
    selected = os.environ.get("GEOCRITTERS_FEATURE")
    module = sys.modules.get("app")
    if module is None:
        _ensure_importable()
        if selected:
            os.environ.pop("GEOCRITTERS_FEATURE")
        try:
            module = importlib.import_module("app")
        finally:
            if selected:
                os.environ["GEOCRITTERS_FEATURE"] = selected
    return module


def routes_by_feature(chalice_app=None, features: Iterable | None = None) -> dict[str, list[tuple[str, str]]]:
    """feature -> sorted [(path, METHOD)] as the features declare them, checked against
    the app's route table: every route the app serves must be declared by exactly one
    feature (so it has one deployed function), and every feature must serve a route."""
    if chalice_app is None:
        chalice_app = _import_full_app().app
    features = declared_features() if features is None else list(features)
    owner: dict[tuple[str, str], str] = {}
    for feature in features:
        for route in feature.routes:
            pair = (route.path, route.method)
            if pair in owner:
                raise ValueError(f"route {route.method} {route.path} is declared by both "
                                 f"{owner[pair]} and {feature.name}")
            owner[pair] = feature.name
    result: dict[str, list[tuple[str, str]]] = {feature.name: [] for feature in features}
    for path, methods in chalice_app.routes.items():
        for method, entry in methods.items():
            pair = (path, method.upper())
            if pair not in owner:
                raise ValueError(
                    f"route {method} {path} is served by {entry.view_function.__module__}."
                    f"{entry.view_name}, which is not declared by a feature module "
                    "functions.<feature> (@feature.route): every route must belong to "
                    "exactly one deployed function")
            result[owner[pair]].append(pair)
    fed = {f.name for f in features if getattr(f, "handler", None)}
    served = sorted(feature for feature in fed if result[feature])
    if served:
        raise ValueError(f"features fed by a stream or a schedule can't also serve routes: "
                         f"{served}")
    missing = [feature for feature, routes in result.items() if not routes and feature not in fed]
    if missing:
        raise ValueError(
            f"features without routes: {missing} (was the app imported with "
            "GEOCRITTERS_FEATURE set? the full route table needs it unset)"
        )
    return {feature: sorted(routes) for feature, routes in result.items()}


def keyed_routes(features: Iterable | None = None) -> list[tuple[str, str]]:
    """Sorted [(METHOD, path)] of the exactly-once actions (they take an Idempotency-Key)."""
    features = declared_features() if features is None else list(features)
    return sorted((r.method, r.path) for f in features for r in f.routes if r.keyed)


def operator_routes(features: Iterable | None = None) -> list[tuple[str, str]]:
    """Sorted [(METHOD, path)] of the operators' routes (AWS_IAM: SigV4, never a player token)."""
    features = declared_features() if features is None else list(features)
    return sorted((r.method, r.path) for f in features for r in f.routes if r.operator)


# ----------------------------------------------------------------------------------
# IAM


@dataclass(frozen=True)
class _ArnStyle:
    table: Callable[[str], object]  # short table name -> table ARN
    index: Callable[[str], object]  # short table name -> its indexes' ARN pattern
    secret: Callable[[], object]
    log_streams: Callable[[FunctionSpec], object]
    stream: Callable[[str], object]  # short table name -> its stream's ARN
    streams: Callable[[str], object]  # short table name -> its streams' ARN pattern
    dead_letters: Callable[[FunctionSpec], object]  # the function's dead-letter queue


def _cfn_style() -> _ArnStyle:
    info = tables()
    return _ArnStyle(
        table=lambda t: {"Fn::GetAtt": [info[t].logical_id, "Arn"]},
        index=lambda t: {"Fn::Sub": f"${{{info[t].logical_id}.Arn}}/index/*"},
        secret=lambda: {"Ref": SECRET_LOGICAL_ID},
        log_streams=lambda spec: {"Fn::Sub": (
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
            f"/aws/lambda/{spec.function_name_sub()}:*")},
        stream=lambda t: {"Fn::GetAtt": [info[t].logical_id, "StreamArn"]},
        streams=lambda t: {"Fn::Sub": f"${{{info[t].logical_id}.Arn}}/stream/*"},
        dead_letters=lambda spec: {"Fn::GetAtt": [dead_letter_queue_id(spec), "Arn"]},
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
        stream=lambda t: f"arn:aws:dynamodb:*:*:table/{info[t].table_name(stage)}/stream/*",
        streams=lambda t: f"arn:aws:dynamodb:*:*:table/{info[t].table_name(stage)}/stream/*",
        dead_letters=lambda spec: f"arn:aws:sqs:*:*:{APP_NAME}-{stage}-*",
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
    if spec.stream is not None:
        table = info[spec.stream.table].logical_id
        # What Lambda's event source mapping does with the function's role: read the
        # one stream it is fed by, and send a record it gave up on to the queue.
        statements.append({
            "Sid": f"Stream{table}",
            "Effect": "Allow",
            "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords",
                       "dynamodb:GetShardIterator"],
            "Resource": [style.stream(spec.stream.table)],
        })
        statements.append({
            "Sid": f"ListStreams{table}",
            "Effect": "Allow",
            "Action": ["dynamodb:ListStreams"],
            "Resource": [style.streams(spec.stream.table)],
        })
        statements.append({
            "Sid": "DeadLetterQueue",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [style.dead_letters(spec)],
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


def dead_letter_queue_id(spec: FunctionSpec) -> str:
    """Logical id of a stream-fed function's dead-letter queue (infra/package.py)."""
    return f"{spec.logical_id}DeadLetterQueue"


def policy_document(spec: FunctionSpec | str) -> dict:
    """The function's IAM policy, with CloudFormation intrinsics for the ARNs."""
    spec = _all_specs()[spec] if isinstance(spec, str) else spec
    return {"Version": "2012-10-17", "Statement": _statements(spec, _cfn_style())}


def dynamodb_grants(name: str) -> dict[str, set[str]]:
    """table short name -> {"dynamodb:Action", ...}: what the spec grants (for tests)."""
    return {table: {f"dynamodb:{a}" for a in actions}
            for table, actions in _all_specs()[name].tables.items()}


def dev_policy(stage: str = "dev", specs: Mapping[str, FunctionSpec] | None = None) -> dict:
    """The single-function dev mode's policy: every function's statements, merged."""
    style = _concrete_style(stage)
    merged: dict[tuple, set] = {}
    sids: dict[tuple, str] = {}
    for spec in (_all_specs() if specs is None else specs).values():
        for statement in _statements(spec, style):
            key = tuple(statement["Resource"])
            merged.setdefault(key, set()).update(statement["Action"])
            sids.setdefault(key, statement["Sid"])
    logs = ("logs:CreateLogGroup",)  # chalice deploy doesn't pre-create log groups
    statements = []
    used: set[str] = set()
    for resources, actions in merged.items():
        if any(r.startswith("arn:aws:logs:") for r in resources):
            actions = actions | set(logs)
        # IAM refuses a policy whose Sids repeat (MalformedPolicyDocument), and two
        # functions can name the same table with different resources (one with its
        # indexes): the later one gets a numbered Sid.
        sid, n = sids[resources], 2
        while sid in used:
            sid, n = f"{sids[resources]}{n}", n + 1
        used.add(sid)
        statements.append({"Sid": sid, "Effect": "Allow",
                           "Action": sorted(actions), "Resource": list(resources)})
    # Sorted, so the generated file doesn't change with the order features are found in.
    statements.sort(key=lambda statement: statement["Sid"])
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
