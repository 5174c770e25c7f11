"""The nearby query side by side: our curated cells vs a real peer vs the naive way.

The same points of interest (POIs), generated here, go into three stores on the same
DynamoDB Local in the same run:

- **ours**: ``geocritters.usecases.curated.import_pois`` through a ``DynamoGameStore``:
  one item per geohash-6 cell holding every POI of the cell as JSON. A nearby query
  is ``CuratedForts.near`` with a cold cache: the cells a circle touches, ONE
  BatchGetItem. (Our map also generates the procedural world, which reads nothing, and
  updates the player's position; ``map_request`` is the whole request for context.)
- **dynamodbgeo** (the Python port of awslabs/dynamodb-geo): its own table and item
  format (S2 cell id ``geohash`` + ``hashKey`` = its first ``HASH_KEY_LENGTH`` decimal
  digits, an LSI on (hashKey, geohash)); ``GeoDataManager.queryRadius`` covers the
  circle's bounding box with S2 cells (the library's RegionCoverer defaults: at most 8
  cells) and runs one Query per cell range, sequentially. Loaded with BatchWriteItem in
  exactly the item format ``put_Point`` writes (``S2Manager.generateGeohash`` /
  ``generateHashKey``), 25 points a call instead of 1.
- **naive3x3**: a table keyed by the geohash-6 prefix (sort key: the POI id), the
  centre cell and its 8 neighbours = 9 sequential Queries, then a distance filter.

``HASH_KEY_LENGTH = 6`` is the awslabs Java library's default ("the same value will be
needed to read the same data with both clients"); the port's own default is 2. A hash
key then spans ~10^13 S2 cell ids (hundreds of km² at this latitude): a 300 m query
seldom splits across hash keys, so it costs one Query per covering cell. The query
counts for 5..8 are printed too (``queries_by_hash_key_length``).

Densities (POIs per km², uniform over the 3x3 geohash-6 block around HOME, so the
naive neighbourhood is full everywhere; levels are nested, loaded incrementally):
sparse 10, suburban 50, city 200, dense 2,000, and festival = dense plus a 600 m-radius
festival ground around HOME at 20,000 per km² (every query circle here lies inside it).
The city level is the densest the game places forts: one stop or gym per level-17 S2
cell (~70 m, game-rules.md) is ~200 per km²; "dense" (10x that) and "festival" (100x)
are stress levels that show how each approach grows.

Names look like real POI names ("Mural at Kelomi Street") with made-up words, so they
compress like real names would, not like "Bench POI 000123"; ids come from the name,
as an import without explicit ids makes them (a name repeated in one cell gets a
numbered id, as the import would require).
"""
from __future__ import annotations

import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import capacity, hooks
from .game import HOME, Harness
from .stats import summary

DENSITIES = (("sparse", 10), ("suburban", 50), ("city", 200), ("dense", 2_000),
             ("festival", 20_000))
HEADLINE_DENSITY = "city"
FESTIVAL_RADIUS_M = 600.0
RADII = (70.0, 200.0, 300.0)
MAP_RADIUS = 300.0  # the map lists forts within 300 m; 70/200 m are spawn radii
HASH_KEY_LENGTH = 6
NAIVE_PRECISION = 6  # the finest geohash whose 3x3 block covers 300 m here (short side ~610 m)
POI_SEED = 20261124
EARTH_RADIUS_M = 6_371_008.8
SHORT_RADIUS_REPS = 5  # timing repetitions for 70 m and 200 m (300 m gets them all)
BIG_LEVEL_POIS = 15_000  # levels above this get SHORT_RADIUS_REPS at 300 m too (time budget)


@dataclass(frozen=True)
class Poi:
    id: str
    name: str
    kind: str
    lat: float
    lng: float


def _block():
    from geocritters.game import geo

    centre = geo.encode(*HOME, NAIVE_PRECISION)
    cells = [centre, *geo.neighbours(centre).values()]
    boxes = [geo.decode_bbox(c) for c in cells]
    south, west = min(b[0] for b in boxes), min(b[1] for b in boxes)
    north, east = max(b[2] for b in boxes), max(b[3] for b in boxes)
    mid = math.radians((south + north) / 2)
    height_km = math.radians(north - south) * EARTH_RADIUS_M / 1000
    width_km = math.radians(east - west) * EARTH_RADIUS_M * math.cos(mid) / 1000
    return (south, west, north, east), height_km * width_km, cells


def _disc_point(rng, radius_m):
    r = radius_m * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    dlat = math.degrees(r * math.cos(theta) / EARTH_RADIUS_M)
    dlng = math.degrees(r * math.sin(theta) / (EARTH_RADIUS_M * math.cos(math.radians(HOME[0]))))
    return HOME[0] + dlat, HOME[1] + dlng


_SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"] + ["ar", "el", "in", "on", "ay"]
_STREETS = ("Street", "Avenue", "Lane", "Road", "Square", "Plaza", "Court", "Terrace", "Park",
            "Garden", "Hall", "Gate", "Row", "Walk", "Way", "Place", "Corner", "Yard")
_FEATURES = ("Mural", "Fountain", "Statue", "Library", "Church", "Sculpture", "Memorial",
             "Clock Tower", "Gazebo", "Playground", "Bandstand", "Arch", "Plaque", "Monument",
             "Theatre", "Station", "Cafe", "Gallery", "Post Office", "Mosaic", "Pavilion",
             "Obelisk", "Bell", "Well", "Chapel", "Museum", "Market", "Bridge", "Steps")


def _poi_name(rng: random.Random) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    shape = rng.random()
    if shape < 0.5:
        return f"{word} {rng.choice(_STREETS)} {rng.choice(_FEATURES)}"
    if shape < 0.8:
        return f"{rng.choice(_FEATURES)} at {word} {rng.choice(_STREETS)}"
    return f"{word} {rng.choice(_FEATURES)}"


def generate_levels() -> list[dict]:
    """[{name, density, pois: the NEW points at this level, total}] — nested levels."""
    from geocritters.game import geo
    from geocritters.game.world import COORDINATE_DECIMALS, CURATED_ID_PREFIX, slugify

    (south, west, north, east), area_km2, _ = _block()
    rng = random.Random(POI_SEED)
    serial = 0
    used: set[str] = set()

    def poi(lat, lng):
        nonlocal serial
        serial += 1
        lat, lng = round(lat, COORDINATE_DECIMALS), round(lng, COORDINATE_DECIMALS)
        name = _poi_name(rng)
        fort_id = f"{CURATED_ID_PREFIX}{geo.encode(lat, lng, 6)}-{slugify(name)}"
        if fort_id in used:
            fort_id = f"{fort_id}-{serial}"
        used.add(fort_id)
        kind = "gym" if serial % 10 == 0 else "stop"
        return Poi(fort_id, name, kind, lat, lng)

    levels, total = [], 0
    for index, (name, density) in enumerate(DENSITIES):
        if name == "festival":
            festival_area = math.pi * (FESTIVAL_RADIUS_M / 1000) ** 2
            extra = round((density - DENSITIES[index - 1][1]) * festival_area)
            new = [poi(*_disc_point(rng, FESTIVAL_RADIUS_M)) for _ in range(extra)]
        else:
            target = round(density * area_km2)
            new = [poi(south + rng.random() * (north - south), west + rng.random() * (east - west))
                   for _ in range(target - total)]
        total += len(new)
        levels.append({"name": name, "density_per_km2": density, "pois": new, "total": total})
    return levels


def _haversine(lat1, lng1, lat2, lng2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


class _Naive:
    name = "naive3x3"

    def __init__(self, client, table):
        self.client, self.table = client, table

    def create(self):
        self.client.create_table(
            TableName=self.table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "cell", "KeyType": "HASH"},
                       {"AttributeName": "id", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "cell", "AttributeType": "S"},
                                  {"AttributeName": "id", "AttributeType": "S"}])

    def item(self, p: Poi) -> dict:
        from geocritters.game import geo

        return {"cell": {"S": geo.encode(p.lat, p.lng, NAIVE_PRECISION)}, "id": {"S": p.id},
                "lat": {"N": repr(p.lat)}, "lng": {"N": repr(p.lng)},
                "name": {"S": p.name}, "kind": {"S": p.kind}}

    def near(self, lat, lng, radius_m) -> set[str]:
        from geocritters.game import geo

        centre = geo.encode(lat, lng, NAIVE_PRECISION)
        found = set()
        for cell in [centre, *geo.neighbours(centre).values()]:
            kwargs = {"TableName": self.table, "KeyConditionExpression": "#c = :c",
                      "ExpressionAttributeNames": {"#c": "cell"},
                      "ExpressionAttributeValues": {":c": {"S": cell}}}
            while True:
                page = self.client.query(**kwargs)
                for item in page["Items"]:
                    if _haversine(lat, lng, float(item["lat"]["N"]), float(item["lng"]["N"])) <= radius_m:
                        found.add(item["id"]["S"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found


class _GeoLibrary:
    name = "dynamodbgeo"

    def __init__(self, client, table, hash_key_length=HASH_KEY_LENGTH):
        import dynamodbgeo

        self.lib = dynamodbgeo
        self.client, self.table = client, table
        self.config = dynamodbgeo.GeoDataManagerConfiguration(client, table)
        self.config.hashKeyLength = hash_key_length
        self.manager = dynamodbgeo.GeoDataManager(self.config)
        self.s2 = dynamodbgeo.S2Manager()

    def create(self):
        request = self.lib.GeoTableUtil(self.config).getCreateTableRequest()
        self.client.create_table(**request)

    def item(self, p: Poi) -> dict:
        # what DynamoDBManager.put_Point writes, plus our payload attributes
        cell_id = self.s2.generateGeohash(self.lib.GeoPoint(p.lat, p.lng))
        c = self.config
        return {c.hashKeyAttributeName: {"N": str(self.s2.generateHashKey(cell_id, c.hashKeyLength))},
                c.rangeKeyAttributeName: {"S": p.id},
                c.geohashAttributeName: {"N": str(cell_id)},
                c.geoJsonAttributeName: {"S": f"{p.lat},{p.lng}"},
                "name": {"S": p.name}, "kind": {"S": p.kind}}

    def near(self, lat, lng, radius_m) -> set[str]:
        # a fresh query dict each time: the library's default is a shared mutable {}
        request = self.lib.QueryRadiusRequest(self.lib.GeoPoint(lat, lng), radius_m, {}, sort=False)
        return {item[self.config.rangeKeyAttributeName]["S"] for item in self.manager.queryRadius(request)}

    def query_count(self, lat, lng, radius_m, hash_key_length) -> int:
        """How many Queries queryRadius runs for this circle at another hashKeyLength
        (the covering and its split; no I/O)."""
        from s2sphere import RegionCoverer  # noqa: F401 - the library's dependency

        request = self.lib.QueryRadiusRequest(self.lib.GeoPoint(lat, lng), radius_m, {})
        rect = self.lib.S2Util().getBoundingLatLngRectFromQueryRadiusInput(request)
        covering = self.lib.Covering(self.config.S2RegionCoverer().get_covering(rect))
        return len(covering.getGeoHashRanges(hash_key_length))


class _Ours:
    name = "ours"

    def __init__(self, harness: Harness, pois: dict):
        self.h = harness
        self.pois = pois  # the benchmark's POIs loaded so far (the action scenarios seeded others)

    def near(self, lat, lng, radius_m) -> set[str]:
        from geocritters.usecases.curated import CuratedForts

        cold = CuratedForts(self.h.ctx.store, self.h.clock)  # a cold cell cache
        return {f.id for f in cold.near(lat, lng, radius_m)
                if f.id in self.pois and _haversine(lat, lng, f.lat, f.lng) <= radius_m}


def _batch_write(client_factory, table, items, threads=4):
    chunks = [items[i:i + 25] for i in range(0, len(items), 25)]

    def write(part):
        client = client_factory()
        for chunk in part:
            request = {table: [{"PutRequest": {"Item": i}} for i in chunk]}
            while request:
                request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
    parts = [chunks[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, parts))


def run(harness: Harness, client_factory, reps: int, log=print) -> dict:
    """Load each density level and measure the three stores; returns the ``peer`` JSON."""
    from geocritters.game.world import Fort
    from geocritters.usecases.curated import import_pois

    client = client_factory()
    naive = _Naive(client, "bench-peer-naive3x3")
    library = _GeoLibrary(client, "bench-peer-dynamodbgeo")
    everything: dict[str, Poi] = {}
    ours = _Ours(harness, everything)
    for store in (naive, library):
        store.create()
        client.get_waiter("table_exists").wait(TableName=store.table,
                                              WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    approaches = (ours, library, naive)
    size_model = capacity.SizeModel(client)
    (_, _, _, _), area_km2, block_cells = _block()
    result = {
        "centre": {"lat": HOME[0], "lng": HOME[1]}, "radii_m": list(RADII),
        "block": {"cells": block_cells, "area_km2": round(area_km2, 3)},
        "hash_key_length": HASH_KEY_LENGTH, "festival_radius_m": FESTIVAL_RADIUS_M,
        "queries_by_hash_key_length": {
            str(n): {str(int(r)): library.query_count(*HOME, r, n) for r in RADII} for n in (5, 6, 7, 8)},
        "levels": {},
    }
    ours_error = None
    for level in generate_levels():
        started = time.perf_counter()
        new = level["pois"]
        everything.update((p.id, p) for p in new)
        for store in (naive, library):
            _batch_write(client_factory, store.table, [store.item(p) for p in new])
        if ours_error is None:
            try:
                import_pois(harness.ctx.store, [Fort(id=p.id, kind=p.kind, name=p.name, lat=p.lat, lng=p.lng)
                                                for p in new])
            except Exception as error:
                ours_error = f"{type(error).__name__}: {error}"[:300]
        load_s = time.perf_counter() - started
        log(f"  peers: {level['name']:9} {level['total']:6} POIs loaded ({load_s:.1f} s)")
        entry = {"density_per_km2": level["density_per_km2"], "pois_in_block": level["total"],
                 "load_s": round(load_s, 1), "approaches": {}}
        # counts and capacity: once, with ReturnConsumedCapacity
        answers = {}
        for approach in approaches:
            per_radius = {}
            for r in RADII:
                if approach is ours and ours_error:
                    per_radius[str(int(r))] = {"error": ours_error}
                    continue
                with hooks.consumed_capacity(), hooks.recording() as calls:
                    found = approach.near(*HOME, r)
                dynamo = calls.of("dynamodb")
                units = capacity.emulator_units(dynamo)
                per_radius[str(int(r))] = {
                    "ddb_calls": len(dynamo), "round_trips": dynamo.round_trips(), "found": len(found),
                    "rru": units["rru"], "rru_emulator_raw": units["rru_emulator_raw"],
                    "rru_model": size_model.units(dynamo)["rru"],
                    "items_read": sum(len((c.parsed or {}).get("Items", [])) +
                                      sum(len(v) for v in (c.parsed or {}).get("Responses", {}).values())
                                      for c in dynamo),
                    "paginated_calls": sum(1 for c in dynamo if "ExclusiveStartKey" in c.params),
                }
                answers[(approach.name, r)] = found
            entry["approaches"][approach.name] = {"by_radius": per_radius}
        # do the three return the same POIs? (dynamodbgeo's earth radius is 6,367 km)
        agreement = {}
        for r in RADII:
            sets = {name: answers[(name, r)] for name in ("ours", "dynamodbgeo", "naive3x3")
                    if (name, r) in answers}
            reference = sets.get("naive3x3", set())
            differing = set().union(*(s ^ reference for s in sets.values()))
            offsets = [abs(_haversine(*HOME, everything[i].lat, everything[i].lng) - r)
                       for i in differing if i in everything]
            agreement[str(int(r))] = {**{name: len(s ^ reference) for name, s in sets.items()},
                                      "max_distance_from_circle_m": round(max(offsets), 3) if offsets else 0.0}
        entry["answers_differing_from_naive3x3"] = agreement
        # latency: interleaved repetitions, no recording
        timings = {(a.name, r): [] for a in approaches for r in RADII}
        level_reps = reps if level["total"] <= BIG_LEVEL_POIS else min(reps, SHORT_RADIUS_REPS)
        for rep in range(level_reps):
            for approach in approaches:
                if approach is ours and ours_error:
                    continue
                for r in RADII:
                    if r != MAP_RADIUS and (rep >= SHORT_RADIUS_REPS or level["total"] > BIG_LEVEL_POIS):
                        continue  # the big level times the map's radius only
                    began = time.perf_counter()
                    approach.near(*HOME, r)
                    timings[(approach.name, r)].append((time.perf_counter() - began) * 1000)
        for approach in approaches:
            for r in RADII:
                values = timings[(approach.name, r)]
                if values:
                    entry["approaches"][approach.name]["by_radius"][str(int(r))]["local_ms"] = summary(values)
        # our whole map request at this density: warm container, cold cell cache, and warm
        if not ours_error:
            entry["map_request"] = _map_request(harness, level_reps)
        for approach in approaches:
            block = entry["approaches"][approach.name]
            block.update(block["by_radius"].get(str(int(MAP_RADIUS)), {}))
        result["levels"][level["name"]] = entry
    headline = result["levels"][HEADLINE_DENSITY]["approaches"]
    for name in ("dynamodbgeo", "naive3x3", "ours"):
        figures = headline[name]
        result[name] = {"ddb_calls": figures.get("ddb_calls"), "rru": figures.get("rru"),
                        "round_trips": figures.get("round_trips"),
                        "local_p50_ms": (figures.get("local_ms") or {}).get("p50"),
                        "density": HEADLINE_DENSITY, "radius_m": MAP_RADIUS}
    return result


def _map_request(harness: Harness, reps: int) -> dict:
    """Our whole map request (position update + generated world + curated cells)."""
    from geocritters.usecases.curated import CuratedForts

    from .game import SCENARIO_BY_NAME

    scenario = SCENARIO_BY_NAME["map"]
    cold, warm, counts = [], [], {}
    for rep in range(reps + 1):
        request = scenario.request(harness)
        harness.ctx.curated = CuratedForts(harness.ctx.store, harness.clock)
        with hooks.consumed_capacity(), hooks.recording() as calls:
            _status, body = harness.invoke(request, "map")
        dynamo = calls.of("dynamodb")
        if rep == 0:
            counts["cold_cache"] = {"ddb_calls": len(dynamo), "round_trips": dynamo.round_trips(),
                                    **capacity.emulator_units(dynamo),
                                    "stops": len(body["stops"]), "gyms": len(body["gyms"])}
        request = scenario.request(harness)
        with hooks.consumed_capacity(), hooks.recording() as calls:
            _status, body = harness.invoke(request, "map")
        if rep == 0:
            counts["warm_cache"] = {"ddb_calls": len(calls.of("dynamodb")),
                                    **capacity.emulator_units(calls.of("dynamodb"))}
            continue
        request = scenario.request(harness)
        harness.ctx.curated = CuratedForts(harness.ctx.store, harness.clock)
        began = time.perf_counter()
        harness.invoke(request, "map")
        cold.append((time.perf_counter() - began) * 1000)
        request = scenario.request(harness)
        began = time.perf_counter()
        harness.invoke(request, "map")
        warm.append((time.perf_counter() - began) * 1000)
    return {**counts, "cold_cache_ms": summary(cold), "warm_cache_ms": summary(warm)}
