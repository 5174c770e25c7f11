import time
import botocore.session
import pynamodb.connection.base as pcb
from geocritters import bootstrap
from geocritters.adapters.models import PlayerRecord

def test_t(api, clock, monkeypatch):
    shared = botocore.session.get_session()
    monkeypatch.setattr(pcb, "get_session", lambda: shared)
    pid, tok = api.login("dev-a")
    api.call("GET", "/v1/me", token=tok)
    t = time.perf_counter()
    for i in range(200):
        PlayerRecord.get(pid, consistent_read=True)
    print("\nraw GetItem %.1f ms" % ((time.perf_counter()-t)/200*1000))
    t = time.perf_counter()
    for i in range(200):
        api.call("GET", "/v1/me", token=tok)
    print("GET /v1/me %.1f ms" % ((time.perf_counter()-t)/200*1000))
    t = time.perf_counter()
    for i in range(200):
        api.transport.send("GET", "/v1/me", {"Authorization": f"Bearer {tok}"}, b"")
    print("GET /v1/me raw transport %.1f ms" % ((time.perf_counter()-t)/200*1000))
    t = time.perf_counter()
    for i in range(200):
        api.transport.send("GET", "/v1/me/items/x", {"Authorization": f"Bearer {tok}"}, b"")
    print("404 route %.1f ms" % ((time.perf_counter()-t)/200*1000))
