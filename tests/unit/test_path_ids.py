"""Path ids as clients send them: a percent-encoded ``:`` is the same id."""
import pytest

from geocritters.edge.requests import path_id
from geocritters.game.errors import InvalidInput


def test_an_encoded_colon_is_decoded_once():
    assert path_id("V%3ACP", "encounter_id", "invalid_encounter_id") == "V:CP"
    assert path_id("V:CP", "encounter_id", "invalid_encounter_id") == "V:CP"


@pytest.mark.parametrize("value", ["a%2Fb", "a%253A", "%", "a b", ""])
def test_what_decodes_to_no_id_is_refused(value):
    with pytest.raises(InvalidInput) as refused:
        path_id(value, "encounter_id", "invalid_encounter_id")
    assert refused.value.code == "invalid_encounter_id"
