"""The packed form of a curated cell (adapters/cell_pack.py): exact round trips, one
byte string per set of forts, small enough to read cheaply, refused when too big."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geocritters.adapters import cell_pack
from geocritters.game import geo
from geocritters.game.world import COORDINATE_DECIMALS, Fort, parse_geojson_pois

CELL = "dr5ru7"
SOUTH, WEST, NORTH, EAST = geo.decode_bbox(CELL)


def _fort(slug: str, name: str, lat: float, lng: float, kind: str = "stop") -> Fort:
    return Fort(id=f"poi-{CELL}-{slug}", kind=kind, name=name, lat=lat, lng=lng)


def _imported(features: list[dict]) -> list[Fort]:
    """Forts as the GeoJSON import makes them (ids from names unless given)."""
    return parse_geojson_pois({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [f["lng"], f["lat"]]},
         "properties": {k: v for k, v in f.items() if k not in ("lat", "lng")}}
        for f in features]})


def test_round_trip_is_exact():
    forts = _imported([
        {"name": "Crossroads Billboard", "lat": 40.7580123, "lng": -73.9855001},
        {"name": "Théâtre Row ✦", "kind": "gym", "lat": 40.7581, "lng": -73.985},
        {"name": "Crossroads Billboard", "id": "billboard-2", "lat": 40.7582, "lng": -73.9856},
        {"name": "東京タワー", "lat": 40.7583, "lng": -73.9857},  # slug from a hash of the name
    ])
    assert {f.id.split("-")[1] for f in forts} == {CELL}
    packed = cell_pack.pack(CELL, forts)
    assert sorted(cell_pack.unpack(CELL, packed), key=lambda f: f.id) == sorted(forts, key=lambda f: f.id)


def test_the_same_forts_pack_to_the_same_bytes_in_any_order():
    forts = [_fort(f"s{i}", f"Stop {i}", 40.758 + i * 1e-5, -73.9855) for i in range(20)]
    assert cell_pack.pack(CELL, forts) == cell_pack.pack(CELL, list(reversed(forts)))


def test_an_empty_cell_round_trips():
    assert cell_pack.unpack(CELL, cell_pack.pack(CELL, [])) == []


@settings(max_examples=200, deadline=None)
@given(st.floats(SOUTH, NORTH), st.floats(WEST, EAST))
def test_imported_coordinates_read_back_exactly(lat, lng):
    fort = _fort("x", "X", round(lat, COORDINATE_DECIMALS), round(lng, COORDINATE_DECIMALS))
    (back,) = cell_pack.unpack(CELL, cell_pack.pack(CELL, [fort]))
    assert (back.lat, back.lng) == (fort.lat, fort.lng)


def test_a_city_cell_fits_one_read_unit():
    """~150 forts (200 per km2 over a 0.75 km2 cell) with names that don't repeat."""
    rng = random.Random(5)
    syllables = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"]
    forts = []
    for i in range(150):
        word = "".join(rng.choice(syllables) for _ in range(3)).capitalize()
        forts.append(_fort(f"p{i}", f"{word} Street Mural", rng.uniform(SOUTH, NORTH),
                           rng.uniform(WEST, EAST)))
    assert len(cell_pack.pack(CELL, forts)) <= 4096


def test_a_fort_of_another_cell_is_refused():
    with pytest.raises(ValueError):
        cell_pack.pack(CELL, [Fort(id="poi-u4pruy-old-mill", kind="stop", name="Old Mill",
                                   lat=57.64, lng=10.40)])


def test_a_cell_over_the_item_limit_is_refused(monkeypatch):
    monkeypatch.setattr(cell_pack, "MAX_PACKED_BYTES", 200)
    forts = [_fort(f"s{i}", f"Stop number {i * 7919}", 40.758 + i * 1e-5, -73.9855) for i in range(40)]
    with pytest.raises(cell_pack.CellTooDense) as refused:
        cell_pack.pack(CELL, forts)
    assert refused.value.code == "cell_too_dense" and CELL in refused.value.message


def test_an_unknown_version_is_an_error():
    with pytest.raises(ValueError):
        cell_pack.unpack(CELL, b"\x09" + cell_pack.pack(CELL, [])[1:])
