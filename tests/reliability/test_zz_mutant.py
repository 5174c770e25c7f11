import pytest
from tests.reliability import test_economy_model as m


def test_mutant_economy(api, clock, fast_sdk, monkeypatch, report):
    import geocritters.game.player as p
    orig = p.spend
    def spend(state, *, stardust=0, candy=None):
        return orig(state, stardust=max(0, stardust - 1), candy=candy)
    monkeypatch.setattr(p, "spend", spend)
    with pytest.raises(AssertionError) as e:
        m.test_the_economy_matches_the_model(api, clock, fast_sdk, report)
    print("\nCAUGHT:", str(e.value)[:600])
