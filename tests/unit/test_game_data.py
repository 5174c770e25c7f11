"""The game data document (usecases/game_data.py) and its HTTP caching (edge/http_cache.py):
built from the game core and the config, never copied; canonical bytes, a version and
an ETag that change exactly when a value does; sections that later features extend."""
import dataclasses
import itertools
import json
from importlib import resources

import pytest

from geocritters.edge.http_cache import if_none_match_hits
from geocritters.game import catching, levels, rewards
from geocritters.game.config import DEFAULT_CONFIG, GameConfig, with_overrides
from geocritters.game.species import roster
from geocritters.usecases.game_data import (
    SECTIONS,
    canonical_json,
    game_data,
    publish,
    species_section,
)

DOCUMENT = game_data(DEFAULT_CONFIG)
CONFIG_FIELDS = {f.name for f in dataclasses.fields(GameConfig)}


def _as_json(value):
    return json.loads(json.dumps(value, default=dict))


def _config_leaves(node, config, found):
    """Every (name, published value) under rules whose name is a config field."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name in CONFIG_FIELDS:
                found.append((name, value, getattr(config, name)))
            else:
                _config_leaves(value, config, found)
    return found


def test_the_roster_is_every_species_of_species_json():
    shipped = json.loads(resources.files("geocritters.game").joinpath("species.json").read_text())
    published = DOCUMENT["species"]
    assert len(published) == len(shipped["species"]) == len(roster())
    by_id = {sp["id"]: sp for sp in shipped["species"]}
    for entry in published:
        record = by_id[entry["id"]]
        for name in ("name", "family", "types", "evolves_to", "evolve_candy", "base_attack",
                     "base_defense", "base_stamina", "spawn_weight"):
            assert entry[name] == record[name], (entry["id"], name)
        assert entry["rare"] == (record["spawn_weight"] < DEFAULT_CONFIG.rare_spawn_weight)
    assert [sp["id"] for sp in published] == sorted(by_id)
    # Evolutions point inside the roster.
    assert {sp["evolves_to"] for sp in published} - {None} <= set(by_id)


def test_the_level_curve_is_monotonic_and_capped():
    curve = DOCUMENT["levels"]
    xp = curve["trainer_xp"]
    assert xp[0] == 0 and len(xp) == curve["trainer_level_cap"] == levels.MAX_TRAINER_LEVEL
    assert all(a < b for a, b in itertools.pairwise(xp))
    assert all(levels.trainer_level(total) == n for n, total in enumerate(xp, start=1))
    cpm = curve["cp_multipliers"]
    assert [row["level"] for row in cpm] == list(levels.creature_levels())
    assert cpm[0]["level"] == curve["creature_level_min"] and cpm[-1]["level"] == curve["creature_level_max"]
    assert all(b["level"] - a["level"] == curve["creature_level_step"] for a, b in itertools.pairwise(cpm))
    assert all(a["cp_multiplier"] < b["cp_multiplier"] for a, b in itertools.pairwise(cpm))
    costs = curve["power_up_costs"]
    assert all(a["from_level"] < b["from_level"] and a["stardust"] <= b["stardust"]
               and a["candy"] <= b["candy"] for a, b in itertools.pairwise(costs))


def test_rule_numbers_equal_the_config():
    found = _config_leaves(DOCUMENT["rules"], DEFAULT_CONFIG, [])
    assert len(found) >= 70, [name for name, *_ in found]
    for name, published, configured in found:
        assert published == _as_json(configured), name
    assert len({name for name, *_ in found}) == len(found), "a config number published twice"


def test_rule_numbers_follow_the_config_they_are_built_from():
    """Every published config number changed (ints + 1, floats x 1.5): every one follows,
    so none was copied into the document."""
    changes = {}
    for name in CONFIG_FIELDS:
        value = getattr(DEFAULT_CONFIG, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        changes[name] = value + 1 if isinstance(value, int) else value * 1.5
    config = with_overrides(DEFAULT_CONFIG, changes)
    found = _config_leaves(game_data(config)["rules"], config, [])
    scalars = [(name, published) for name, published, _ in found if name in changes]
    assert len(scalars) >= 60
    for name, published in scalars:
        assert published == changes[name] != getattr(DEFAULT_CONFIG, name), name
    tiers = {t["tier"]: t for t in game_data(config)["rules"]["raids"]["tiers"]}
    assert tiers[5]["fight_s"] == config.raid_fight_s_tier5 and tiers[1]["fight_s"] == config.raid_fight_s


def test_every_item_kind_is_listed_with_what_it_does():
    items = {item["id"]: item for item in DOCUMENT["items"]}
    for ball, multiplier in catching.BALLS.items():
        assert items[ball] == {"id": ball, "kind": "ball", "catch_multiplier": multiplier}
    for berry, multiplier in catching.BERRIES.items():
        assert items[berry] == {"id": berry, "kind": "berry", "catch_multiplier": multiplier}
    looted = {name for _, weights in rewards.SPIN_ITEM_TABLE for name in weights}
    assert looted | set(DEFAULT_CONFIG.starting_items) | {"raid_pass", "remote_raid_pass"} <= set(items)
    assert items["remote_raid_pass"]["remote"] and not items["raid_pass"]["remote"]
    assert [item["id"] for item in DOCUMENT["items"]] == sorted(items)


def test_the_body_is_canonical_and_the_etag_and_version_follow_the_content():
    first, again = publish(DEFAULT_CONFIG), publish(DEFAULT_CONFIG)
    assert first == again
    assert first.body == json.dumps(json.loads(first.body), sort_keys=True, separators=(",", ":"))
    assert first.etag.startswith('"') and first.etag.endswith('"') and len(first.etag) == 34
    changed = publish(with_overrides(DEFAULT_CONFIG, {"spin_cooldown_ms": 1}))
    assert changed.etag != first.etag
    assert json.loads(changed.body)["version"] != json.loads(first.body)["version"]
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_a_later_feature_adds_a_section_and_may_not_reuse_a_name():
    def seasons_section(config):
        return {"seasons": ["spring", "summer"]}

    extended = game_data(DEFAULT_CONFIG, (*SECTIONS, seasons_section))
    assert extended["seasons"] == ["spring", "summer"]
    assert {k: v for k, v in extended.items() if k not in ("seasons", "version")} == \
        {k: v for k, v in DOCUMENT.items() if k != "version"}
    assert extended["version"] != DOCUMENT["version"]
    for clash in (species_section, lambda config: {"version": 1}):
        with pytest.raises(ValueError):
            game_data(DEFAULT_CONFIG, (*SECTIONS, clash))


ETAG = '"0123456789abcdef0123456789abcdef"'


@pytest.mark.parametrize("field, hit", [
    (None, False),
    ("", False),
    (ETAG, True),
    (f"W/{ETAG}", True),
    (f'"other", {ETAG}', True),
    (f'W/"other",W/{ETAG}', True),
    ("*", True),
    (" * ", True),
    ('"other"', False),
    (ETAG.strip('"'), False),
    ('"other", *', False),  # "*" only as the whole value
    (ETAG[:-1], False),  # an unclosed quote is no entity tag
])
def test_if_none_match(field, hit):
    assert if_none_match_hits(field, ETAG) == hit


def test_the_function_serves_its_stage_config_built_once_per_container(monkeypatch):
    import functions.gamedata as gamedata
    from geocritters.settings import load_settings

    monkeypatch.setenv("GAME_SECRET_ID", "unused")
    monkeypatch.setattr(gamedata, "_published", None)
    for overrides, cooldown in ((None, DEFAULT_CONFIG.spin_cooldown_ms), ('{"spin_cooldown_ms": 1234}', 1234)):
        if overrides is None:
            monkeypatch.delenv("GAME_CONFIG_OVERRIDES", raising=False)
        else:
            monkeypatch.setenv("GAME_CONFIG_OVERRIDES", overrides)
        load_settings.cache_clear()
        served = gamedata.published()
        assert gamedata.published() is served  # built once
        assert json.loads(served.body)["rules"]["stops"]["spin_cooldown_ms"] == cooldown
    load_settings.cache_clear()


def test_the_function_is_public_and_needs_no_secret_and_only_the_events():
    from functions.gamedata import feature

    assert [(r.method, r.path, r.public, r.keyed) for r in feature.routes] == \
        [("GET", "/v1/game-data", True, False)]
    assert feature.deployment.tables == {"events": ("Query",)}  # ?region= only
    assert feature.deployment.reads_secret is False


def test_weather_and_eggs_sections_are_the_game_cores_numbers():
    from geocritters.game.buddy import buddy_km
    from geocritters.game.species import species
    from geocritters.game.weather import KINDS, boosted_types

    assert DOCUMENT["weather"]["kinds"] == {kind: list(boosted_types(kind)) for kind in KINDS}
    eggs = DOCUMENT["eggs"]
    assert eggs["egg_limit"] == DEFAULT_CONFIG.egg_limit and eggs["stop_egg_km"] == [2, 5, 10]
    assert eggs["hatch_rewards"]["10"]["xp"] == DEFAULT_CONFIG.hatch_rewards[10][4]
    assert eggs["buddy_km"]["38"] == buddy_km(species(38), DEFAULT_CONFIG) == 20


def test_a_regions_events_join_the_document_and_its_version_and_etag():
    from geocritters.game.events import Effects, Event
    from geocritters.usecases.game_data import publish, with_events

    plain = publish(DEFAULT_CONFIG)
    now = 1_800_000_000_000
    here = Event("ev-00000001", "Here", now - 1, now + 1000, ("u09t",), Effects(xp_multiplier=2.0))
    elsewhere = Event("ev-00000002", "There", now - 1, now + 1000, ("dr5r",), Effects(xp_multiplier=3.0))
    regional = with_events(plain, [here, elsewhere], "u09t", now)
    document = json.loads(regional.body)
    assert document["events"] == [here.as_json()]
    assert {k: v for k, v in document.items() if k not in ("events", "version")} == \
        {k: v for k, v in json.loads(plain.body).items() if k != "version"}
    assert document["version"] != json.loads(plain.body)["version"] and regional.etag != plain.etag
    assert with_events(plain, [elsewhere], "u09t", now) == with_events(plain, [], "u09t", now)
    assert json.loads(with_events(plain, [], "u09t", now).body)["events"] == []
    assert with_events(plain, [here], "u09t", now + 1000) != regional  # ended: gone
