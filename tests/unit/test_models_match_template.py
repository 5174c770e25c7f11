"""The PynamoDB models declare the same keys as infra/template.json (the one definition)."""
import pytest

from geocritters.adapters.models import ALL_MODELS
from geocritters.settings import _TABLE_VARS
from infra import tables
from infra.provision import table_specs

_DYNAMO_TYPE = {"UnicodeAttribute": "S", "NumberAttribute": "N", "BinaryAttribute": "B"}


def _model_keys(model) -> dict[str, tuple[str, str]]:
    keys = {}
    for _name, attribute in model.get_attributes().items():
        if attribute.is_hash_key:
            keys["HASH"] = (attribute.attr_name, _DYNAMO_TYPE[type(attribute).__name__])
        if attribute.is_range_key:
            keys["RANGE"] = (attribute.attr_name, _DYNAMO_TYPE[type(attribute).__name__])
    return keys


def _template_keys(spec) -> dict[str, tuple[str, str]]:
    types = {a["AttributeName"]: a["AttributeType"] for a in spec["AttributeDefinitions"]}
    return {k["KeyType"]: (k["AttributeName"], types[k["AttributeName"]]) for k in spec["KeySchema"]}


@pytest.mark.parametrize("settings_field", sorted(ALL_MODELS))
def test_model_keys_equal_the_template(settings_field):
    env_var = _TABLE_VARS[settings_field]
    info = next(i for i in tables().values() if i.env_var == env_var)
    spec = next(s for s in table_specs("test") if s["TableName"] == info.table_name("test"))
    assert _model_keys(ALL_MODELS[settings_field]) == _template_keys(spec)


def test_every_template_table_has_a_model_and_a_setting():
    assert {i.env_var for i in tables().values()} == set(_TABLE_VARS.values())
