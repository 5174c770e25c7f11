"""The creature roster, loaded once from the ``species.json`` shipped beside this module.

The roster is tunable data (stats, capture and flee rates, evolution candy, spawn
weights), so it lives in a data file rather than in code. It is read lazily on first
use, never at import time, and cached for the life of the (Lambda) process.
"""
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from .errors import NotFound

_DATA_FILE = "species.json"


@dataclass(frozen=True)
class Species:
    id: int
    name: str
    family: str
    types: tuple[str, ...]
    base_attack: int
    base_defense: int
    base_stamina: int
    base_capture_rate: float
    base_flee_rate: float
    evolves_to: int | None
    evolve_candy: int | None
    spawn_weight: float


def _species_from_record(record: dict) -> Species:
    return Species(
        id=int(record["id"]),
        name=str(record["name"]),
        family=str(record["family"]),
        types=tuple(record["types"]),
        base_attack=int(record["base_attack"]),
        base_defense=int(record["base_defense"]),
        base_stamina=int(record["base_stamina"]),
        base_capture_rate=float(record["base_capture_rate"]),
        base_flee_rate=float(record["base_flee_rate"]),
        evolves_to=record["evolves_to"],
        evolve_candy=record["evolve_candy"],
        spawn_weight=float(record["spawn_weight"]),
    )


@functools.cache
def roster() -> Mapping[int, Species]:
    """Every species by id, read once from the packaged data file."""
    text = resources.files(__package__).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    records = json.loads(text)["species"]
    by_id: dict[int, Species] = {}
    for record in records:
        sp = _species_from_record(record)
        if sp.id in by_id:
            raise ValueError(f"{_DATA_FILE}: duplicate species id {sp.id}")
        by_id[sp.id] = sp
    return MappingProxyType(by_id)


def species(species_id: int) -> Species:
    """The species with this id; an unknown id is NotFound."""
    try:
        return roster()[species_id]
    except (KeyError, TypeError):
        raise NotFound(f"unknown species {species_id!r}", code="species_not_found") from None


@functools.cache
def spawnable() -> tuple[Species, ...]:
    """The species that can appear in the wild (spawn weight above zero), by id."""
    return tuple(sp for _, sp in sorted(roster().items()) if sp.spawn_weight > 0)
