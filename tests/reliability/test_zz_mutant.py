import pytest
from tests.reliability import test_economy_model as m


def test_mutant_economy(api, clock, fast_sdk, monkeypatch, report):
    import geocritters.game.player as p
    orig = p.grant
    def grant(state, *, items=None, xp=0, stardust=0, candy=None):
        return orig(state, items=items, xp=xp, stardust=stardust + (1 if items else 0), candy=candy)
    monkeypatch.setattr(p, "grant", grant)
    with pytest.raises(AssertionError) as e:
        m.test_the_economy_matches_the_model.__wrapped__(api, clock, fast_sdk, report) if hasattr(m.test_the_economy_matches_the_model, "__wrapped__") else m.test_the_economy_matches_the_model(api, clock, fast_sdk, report)
    print("\nCAUGHT:", str(e.value)[:300])
