"""Curated POIs imported from GeoJSON appear on the map and can be spun."""
import json
from pathlib import Path

import pytest

from geocritters import bootstrap
from geocritters.adapters import cell_pack
from geocritters.game.world import curated_cell, parse_geojson_pois
from geocritters.usecases.curated import import_pois
from tests.support.ddb_calls import dynamodb_calls

SAMPLE = Path(__file__).resolve().parents[2] / "devtools" / "data" / "sample-pois.geojson"


def test_imported_pois_are_listed_and_spinnable(api, clock):
    _, token = api.login()
    forts = parse_geojson_pois(json.loads(SAMPLE.read_text()))
    ctx = bootstrap.game_context()
    import_pois(ctx.store, forts)
    bootstrap.reset(clock=clock)  # a fresh container: no cached cells

    billboard = next(f for f in forts if f.name == "Crossroads Billboard")
    status, body, _ = api.call("GET", f"/v1/map?lat={billboard.lat}&lng={billboard.lng}", token=token)
    assert status == 200
    assert billboard.id in {s["id"] for s in body["stops"]}
    assert "poi-dr5ru7-theatre-row" in {g["id"] for g in body["gyms"]}

    bootstrap.reset(clock=clock)  # a cold spin container reads the cell itself
    status, spun, _ = api.call("POST", f"/v1/stops/{billboard.id}/spin",
                               {"lat": billboard.lat, "lng": billboard.lng}, token=token,
                               headers={"Idempotency-Key": "spin-curated-01"})
    assert status == 200 and spun["first_visit"] is True
    status, _, _ = api.call("POST", "/v1/stops/poi-dr5ru7-theatre-row/spin",
                            {"lat": billboard.lat, "lng": billboard.lng}, token=token,
                            headers={"Idempotency-Key": "spin-curated-02"})
    assert status == 404, "a gym is not a stop"


def test_reimport_replaces_by_id(api):
    api.login()
    ctx = bootstrap.game_context()
    forts = parse_geojson_pois(json.loads(SAMPLE.read_text()))
    import_pois(ctx.store, forts)
    counts = import_pois(ctx.store, forts)
    assert sum(counts.values()) == len(forts)


def test_warm_cache_skips_the_cells_table(api):
    _, token = api.login()
    api.call("GET", "/v1/map?lat=40.758&lng=-73.9855", token=token)
    with dynamodb_calls() as calls:
        api.call("GET", "/v1/map?lat=40.7581&lng=-73.9856", token=token)
    assert "BatchGetItem" not in calls.names


def test_an_import_with_a_cell_too_dense_to_store_changes_nothing(api, monkeypatch):
    """A cell whose packed forts exceed one DynamoDB item refuses the whole import: the
    other cells of the same import are not written either (even those listed first)."""
    api.login()
    ctx = bootstrap.game_context()
    sample = json.loads(SAMPLE.read_text())
    elsewhere = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.40, 57.64]},
                 "properties": {"name": "Old Mill"}}
    sample["features"].insert(0, elsewhere)
    forts = parse_geojson_pois(sample)
    lone, *crowded = forts
    assert curated_cell(lone.id) not in {curated_cell(f.id) for f in crowded}
    cells = sorted({curated_cell(f.id) for f in forts})
    before = ctx.store.curated_forts(cells)  # other tests may have imported the sample
    assert lone.id not in {f.id for f in before[curated_cell(lone.id)]}
    monkeypatch.setattr(cell_pack, "MAX_PACKED_BYTES", len(cell_pack.pack(curated_cell(lone.id), [lone])))
    with pytest.raises(cell_pack.CellTooDense):
        import_pois(ctx.store, forts)
    assert ctx.store.curated_forts(cells) == before
