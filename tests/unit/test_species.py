import json
from importlib import resources

import pytest

from geocritters.game.errors import NotFound
from geocritters.game.species import Species, roster, spawnable, species

EVOLUTION_CANDY_STEPS = {12, 25, 50, 100}


def _stage_of(sp: Species) -> int:
    parents = {s.evolves_to: s for s in roster().values() if s.evolves_to is not None}
    stage = 1
    while sp.id in parents:
        sp = parents[sp.id]
        stage += 1
    return stage


def test_roster_has_at_least_36_species_with_unique_ids_and_names():
    raw = json.loads(resources.files("geocritters.game").joinpath("species.json").read_text())
    ids = [record["id"] for record in raw["species"]]
    names = [record["name"] for record in raw["species"]]
    assert len(ids) >= 36
    assert len(set(ids)) == len(ids)
    assert len(set(names)) == len(names)
    assert set(roster()) == set(ids)
    assert all(roster()[i].id == i for i in ids)


def test_evolutions_point_to_existing_species_of_the_same_family():
    for sp in roster().values():
        if sp.evolves_to is not None:
            target = roster()[sp.evolves_to]
            assert target.family == sp.family, sp.name


def test_evolve_candy_is_set_exactly_when_the_species_evolves():
    for sp in roster().values():
        assert (sp.evolve_candy is None) == (sp.evolves_to is None), sp.name
        if sp.evolve_candy is not None:
            assert sp.evolve_candy in EVOLUTION_CANDY_STEPS, sp.name


def test_evolution_chains_have_no_cycles_and_at_most_three_stages():
    for start in roster().values():
        seen = {start.id}
        current = start
        while current.evolves_to is not None:
            current = roster()[current.evolves_to]
            assert current.id not in seen, f"cycle through {start.name}"
            seen.add(current.id)
        assert len(seen) <= 3, start.name


def test_each_family_is_one_chain_named_after_its_first_stage():
    for sp in roster().values():
        if _stage_of(sp) == 1:
            assert sp.family == sp.name
    first_stages = [sp for sp in roster().values() if _stage_of(sp) == 1]
    assert len({sp.family for sp in first_stages}) == len(first_stages)


def test_numbers_are_in_the_designed_ranges():
    for sp in roster().values():
        assert 40 <= sp.base_attack <= 300, sp.name
        assert 40 <= sp.base_defense <= 300, sp.name
        assert 80 <= sp.base_stamina <= 400, sp.name
        assert 0.02 <= sp.base_capture_rate <= 0.5, sp.name
        assert 0.03 <= sp.base_flee_rate <= 0.2, sp.name
        assert sp.spawn_weight >= 0, sp.name
        assert sp.types and all(isinstance(t, str) for t in sp.types), sp.name


def test_later_stages_are_harder_to_catch():
    for sp in roster().values():
        if sp.evolves_to is not None:
            assert roster()[sp.evolves_to].base_capture_rate < sp.base_capture_rate, sp.name


def test_a_few_rare_species_exist():
    rare = [sp for sp in spawnable() if sp.spawn_weight <= 0.25]
    assert len(rare) >= 2


def test_species_lookup_and_unknown_id():
    assert species(1).name == "Mossling"
    with pytest.raises(NotFound) as refused:
        species(9999)
    assert refused.value.code == "species_not_found"


def test_spawnable_lists_positive_weights_in_id_order():
    ids = [sp.id for sp in spawnable()]
    assert ids == sorted(ids)
    assert all(sp.spawn_weight > 0 for sp in spawnable())
    assert set(ids) == {sp.id for sp in roster().values() if sp.spawn_weight > 0}


def test_roster_is_read_only():
    with pytest.raises(TypeError):
        roster()[1] = roster()[2]  # type: ignore[index]
