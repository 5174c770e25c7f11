"""Ids of world objects: what they look like, and the cell each one names.

Every id names the cell its object lives in, so a server resolves an id by generating
(or reading) that one cell. In the polar caps a generated object's cell belongs to a
widened generation cell (cells.py), which the cell's row determines; its n counts the
objects of that generation cell.
"""
from __future__ import annotations

import re

from ..errors import InvalidInput

CURATED_CELL_PRECISION = 6  # curated POIs are filed under their ~1.2 km x 0.6 km cell
CURATED_ID_PREFIX = "poi-"

FORT_PREFIX = {"st": "stop", "gy": "gym"}
KIND_PREFIX = {kind: prefix for prefix, kind in FORT_PREFIX.items()}

_GH = "[0-9b-hjkmnp-z]"  # the geohash alphabet: no a, i, l, o; lowercase only
_N = "(?:0|[1-9][0-9]{0,5})"  # canonical index: no sign, no leading zeros
_FORT_ID = re.compile(rf"(st|gy)-({_GH}{{7}})-({_N})")
_SPAWN_POINT_ID = re.compile(rf"sp-({_GH}{{7}})-({_N})")
_SPAWN_ID = re.compile(rf"(sp-{_GH}{{7}}-{_N})-(0|[1-9][0-9]{{0,11}})")
_SLUG = "[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
SLUG_RE = re.compile(_SLUG)
_CURATED_ID = re.compile(rf"poi-({_GH}{{6}})-({_SLUG})")


def fort_id(kind: str, cell: str, n: int) -> str:
    """The n-th generated fort of a cell: ``st-<cell>-<n>`` (stop) or ``gy-<cell>-<n>`` (gym)."""
    return f"{KIND_PREFIX[kind]}-{cell}-{n}"


def spawn_point_id(cell: str, n: int) -> str:
    """The n-th spawn point of a cell: ``sp-<cell>-<n>``."""
    return f"sp-{cell}-{n}"


def spawn_id(spawn_point_id: str, hour: int) -> str:
    """A spawn point's spawn of one hour index: ``<spawn point id>-<hour>``."""
    return f"{spawn_point_id}-{hour}"


def curated_id(cell: str, slug: str) -> str:
    """A curated fort filed under its precision-6 cell: ``poi-<cell>-<slug>``."""
    return f"{CURATED_ID_PREFIX}{cell}-{slug}"


def is_curated_id(fort_id) -> bool:
    """A well-formed curated fort id (``poi-<geohash6>-<slug>``)."""
    return isinstance(fort_id, str) and _CURATED_ID.fullmatch(fort_id) is not None


def parse_fort_id(fort_id) -> tuple[str, str, int]:
    """A generated fort id is ``st-<geohash7>-<n>`` (stop) or ``gy-<geohash7>-<n>`` (gym)."""
    match = _FORT_ID.fullmatch(fort_id) if isinstance(fort_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed fort id {fort_id!r}: expected st-<geohash7>-<n> or gy-<geohash7>-<n>",
            code="invalid_fort_id",
        )
    prefix, cell, n = match.groups()
    return FORT_PREFIX[prefix], cell, int(n)


def parse_spawn_point_id(spawn_point_id) -> tuple[str, int]:
    """A spawn point id is ``sp-<geohash7>-<n>``; returns (cell, n)."""
    match = _SPAWN_POINT_ID.fullmatch(spawn_point_id) if isinstance(spawn_point_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed spawn point id {spawn_point_id!r}: expected sp-<geohash7>-<n>",
            code="invalid_spawn_point_id",
        )
    cell, n = match.groups()
    return cell, int(n)


def parse_spawn_id(spawn_id) -> tuple[str, int]:
    """A spawn id is ``<spawn point id>-<hour index>``, the hour index being floor(appears_ms / 1 h)."""
    match = _SPAWN_ID.fullmatch(spawn_id) if isinstance(spawn_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed spawn id {spawn_id!r}: expected sp-<geohash7>-<n>-<hour index>",
            code="invalid_spawn_id",
        )
    spawn_point_id, hour = match.groups()
    return spawn_point_id, int(hour)


def curated_cell(fort_id) -> str:
    """A curated fort id is ``poi-<geohash6>-<slug>``, filed under that precision-6 cell."""
    match = _CURATED_ID.fullmatch(fort_id) if isinstance(fort_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed curated fort id {fort_id!r}: expected poi-<geohash6>-<slug>",
            code="invalid_fort_id",
        )
    return match.group(1)
