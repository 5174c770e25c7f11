"""Curated POIs from GeoJSON: validation, and the ids they get."""
from __future__ import annotations

import hashlib
import re
import unicodedata

from .. import geo
from ..errors import InvalidInput
from .ids import CURATED_CELL_PRECISION, KIND_PREFIX, SLUG_RE, curated_id
from .objects import Fort

# Curated coordinates are kept to 7 decimals (~1.1 cm): what GeoJSON exporters write, and
# what the stored cell holds, so a fort reads back exactly as it was imported.
COORDINATE_DECIMALS = 7


def slugify(name: str) -> str:
    """The id slug a curated POI gets from its name when the import gives no ``id``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-")
    if not slug:
        # A name with no Latin letters or digits still needs a stable id.
        slug = "x" + hashlib.blake2b(name.encode("utf-8"), digest_size=5).hexdigest()
    return slug


def parse_geojson_pois(doc) -> list[Fort]:
    """A curated POI is a GeoJSON Point with a ``name``, a ``kind`` (default stop) and maybe an ``id``.

    Ids are ``poi-<geohash6>-<id or slug of the name>``; two POIs yielding the same id
    are refused (give one an explicit ``id``).
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput("expected a GeoJSON FeatureCollection", code="invalid_geojson")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput("a FeatureCollection needs a 'features' list", code="invalid_geojson")
    forts: list[Fort] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        fort = _parse_feature(index, feature)
        if fort.id in seen:
            raise InvalidInput(
                f"feature {index}: id {fort.id!r} is already used; give one of them an explicit 'id'",
                code="duplicate_poi_id",
            )
        seen.add(fort.id)
        forts.append(fort)
    return forts


def _parse_feature(index: int, feature) -> Fort:
    def bad(message: str, code: str = "invalid_geojson") -> InvalidInput:
        return InvalidInput(f"feature {index}: {message}", code=code)

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise bad("expected a GeoJSON Feature")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise bad("geometry must be a Point")
    coordinates = geometry.get("coordinates")
    # GeoJSON orders positions [longitude, latitude(, altitude)].
    if not isinstance(coordinates, (list, tuple)) or len(coordinates) not in (2, 3):
        raise bad("Point coordinates must be [longitude, latitude]", code="invalid_coordinates")
    try:
        lat, lng = geo.validate_coordinates(coordinates[1], coordinates[0])
    except InvalidInput as error:
        raise bad(error.message, code=error.code) from None
    # Rounded before the cell is chosen, so the id's cell is the stored position's cell.
    lat, lng = round(lat, COORDINATE_DECIMALS), round(lng, COORDINATE_DECIMALS)
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise bad("properties must be an object with a 'name'")
    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad("properties.name must be a non-empty string")
    name = name.strip()
    if len(name) > 120:
        raise bad("properties.name must be at most 120 characters")
    kind = properties.get("kind", "stop")
    if kind not in KIND_PREFIX:
        raise bad(f"properties.kind must be 'stop' or 'gym', got {kind!r}")
    given_id = properties.get("id")
    if given_id is None:
        slug = slugify(name)
    elif isinstance(given_id, str) and SLUG_RE.fullmatch(given_id):
        slug = given_id
    else:
        raise bad(
            f"properties.id must be 1-64 of a-z, 0-9 and inner '-', got {given_id!r}",
            code="invalid_poi_id",
        )
    cell = geo.encode(lat, lng, CURATED_CELL_PRECISION)
    return Fort(id=curated_id(cell, slug), kind=kind, name=name, lat=lat, lng=lng)
