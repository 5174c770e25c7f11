"""Infrastructure as code for geocritters.

- ``infra/template.json``: the ONE definition of the stateful resources (tables, secret).
- ``infra.provision``: creates those same resources in moto / LocalStack / DynamoDB Local.
- ``infra.functions``: the per-function deployment spec (memory, timeout, concurrency,
  least-privilege IAM, routes) and the API Gateway error responses.
- ``infra.package``: ``chalice package`` + a generated merge template = one Lambda per
  gameplay action on one REST API, with precompiled bytecode in the zips.

Nothing in this package runs at import time beyond reading constants.
"""
import copy
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parent
PROJECT_DIR = INFRA_DIR.parent
SHARED_LAYER_DIR = PROJECT_DIR / "layers" / "shared"
# infra reads the game's own declarations (features, the table naming rule): the shared
# package is importable as the layer provides it, also where no venv .pth file says so.
if str(SHARED_LAYER_DIR) not in sys.path:
    sys.path.append(str(SHARED_LAYER_DIR))
TEMPLATE_PATH = INFRA_DIR / "template.json"

APP_NAME = "geocritters"
SECRET_LOGICAL_ID = "GameSecret"
SECRET_ENV_VAR = "GAME_SECRET_ID"
_TABLE_NAME_PREFIX = "geocritters-${Stage}-"


@functools.lru_cache(maxsize=1)
def _load_template_cached() -> str:
    return TEMPLATE_PATH.read_text(encoding="utf-8")


def load_template() -> dict:
    """A fresh (mutable) copy of infra/template.json."""
    return copy.deepcopy(json.loads(_load_template_cached()))


@dataclass(frozen=True)
class TableInfo:
    """One DynamoDB table of infra/template.json, under the names every layer uses."""

    logical_id: str  # CloudFormation logical id: PlayersTable
    short_name: str  # players (the suffix of geocritters-<stage>-players)
    env_var: str  # PLAYERS_TABLE
    has_indexes: bool  # any GSI/LSI: IAM grants then include <table-arn>/index/*

    def table_name(self, stage: str) -> str:
        return f"{APP_NAME}-{stage}-{self.short_name}"


def tables() -> dict[str, TableInfo]:
    """The template's tables keyed by short name, in template order."""
    from geocritters.settings import table_env_var  # the one naming rule of the variables

    result: dict[str, TableInfo] = {}
    for logical_id, resource in load_template()["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        name = props["TableName"]
        sub = name.get("Fn::Sub") if isinstance(name, dict) else None
        if not isinstance(sub, str) or not sub.startswith(_TABLE_NAME_PREFIX):
            raise ValueError(
                f"{logical_id}: TableName must be {{'Fn::Sub': '{_TABLE_NAME_PREFIX}<name>'}}"
            )
        short = sub[len(_TABLE_NAME_PREFIX):]
        result[short] = TableInfo(
            logical_id=logical_id,
            short_name=short,
            env_var=table_env_var(short),
            has_indexes=bool(
                props.get("GlobalSecondaryIndexes") or props.get("LocalSecondaryIndexes")
            ),
        )
    return result


def resolve(value, stage: str):
    """Resolve the template's stage-dependent intrinsics (``Fn::Sub`` of ``${Stage}``,
    ``Ref: Stage``) into plain values, recursively. Anything else is an error: the
    emulators have no CloudFormation to evaluate it."""
    if isinstance(value, list):
        return [resolve(v, stage) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"].replace("${Stage}", stage)
        if "${" in text:
            raise ValueError(f"cannot resolve {value!r} outside CloudFormation")
        return text
    if value == {"Ref": "Stage"}:
        return stage
    if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
        raise ValueError(f"cannot resolve {value!r} outside CloudFormation")
    return {k: resolve(v, stage) for k, v in value.items()}


def secret_name(stage: str) -> str:
    """The game secret's name for a stage, as infra/template.json defines it."""
    secret = load_template()["Resources"][SECRET_LOGICAL_ID]
    return resolve(secret["Properties"]["Name"], stage)
