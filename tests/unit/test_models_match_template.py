"""The PynamoDB models declare the same keys as infra/template.json (the one definition)."""
import pytest

from geocritters.adapters.models import ALL_MODELS
from geocritters.settings import Settings, SettingsError, table_env_var
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


@pytest.mark.parametrize("short_name", sorted(ALL_MODELS))
def test_model_keys_equal_the_template(short_name):
    info = tables()[short_name]
    spec = next(s for s in table_specs("test") if s["TableName"] == info.table_name("test"))
    assert _model_keys(ALL_MODELS[short_name]) == _template_keys(spec)


def test_every_template_table_has_a_model_and_every_model_a_table():
    assert set(tables()) == set(ALL_MODELS)


def test_the_deployment_and_the_settings_name_tables_alike():
    assert all(info.env_var == table_env_var(short) for short, info in tables().items())
    settings = Settings(stage="t", region="r", game_secret_id="s", world_seed="w",
                        log_level="INFO", tables={"players": "geocritters-t-players"})
    assert settings.table_name("players") == "geocritters-t-players"
    with pytest.raises(SettingsError, match="CREATURES_TABLE is not set"):
        settings.table_name("creatures")
