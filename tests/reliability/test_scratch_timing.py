import time, os
import botocore.session
import pynamodb.connection.base as pcb
from tests.api.helpers import spawns_around, a_stop
from geocritters import bootstrap
from tests.api.conftest import HOME

def test_timing(api, clock, monkeypatch):
    if os.environ.get("SHARE"):
        shared = botocore.session.get_session()
        monkeypatch.setattr(pcb, "get_session", lambda: shared)
    if os.environ.get("CONN"):
        import geocritters.adapters.dynamodb as d
        from pynamodb.connection import Connection
        c = Connection(region="us-east-1")
        monkeypatch.setattr(d, "Connection", lambda region: c)
    pid, tok = api.login("dev-a")
    t = time.perf_counter()
    ctx = bootstrap.game_context()
    stops = [f for f in ctx.world.forts_near(*HOME, 400) if f.kind == "stop"]
    n = 0; codes = {}
    for i in range(int(os.environ.get("N", 40))):
        sp = spawns_around(radius_m=400)
        if sp:
            s = sp[0]
            st, b, _ = api.call("POST", "/v1/encounters", {"spawn_id": s.id, "lat": s.lat, "lng": s.lng}, token=tok)
            codes[st] = codes.get(st, 0) + 1
            if st == 201:
                st, b, _ = api.call("POST", f"/v1/encounters/{b['encounter_id']}/throws", {"ball": "ball"}, token=tok, headers={"Idempotency-Key": f"k-{i:08d}"})
                codes[st] = codes.get(st, 0) + 1
            n += 2
        stp = stops[i % len(stops)]
        st, b, _ = api.call("POST", f"/v1/stops/{stp.id}/spin", {"lat": stp.lat, "lng": stp.lng}, token=tok, headers={"Idempotency-Key": f"s-{i:08d}"})
        codes[st] = codes.get(st, 0) + 1
        n += 1
        clock.advance(20_000)
    dt = time.perf_counter() - t
    print(f"\n{n} calls in {dt:.2f}s = {dt/n*1000:.1f} ms/call; stops={len(stops)} codes={codes}")
