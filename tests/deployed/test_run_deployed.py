"""`make run BACKEND=deployed` serves the deployed API on a local port through
devtools/gateway_proxy.py: the scripted player (devtools.play) plays a session through
that forwarder, LocalStack's API Gateway and the per-feature functions."""
import threading
from http.server import ThreadingHTTPServer

import pytest

from devtools.gateway_proxy import make_handler
from devtools.play import play


@pytest.fixture
def forwarder(pytestconfig, http_server):
    if pytestconfig.getoption("--backend") != "deployed":
        pytest.skip("the deployed form runs in make test-deployed (--backend=deployed)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(http_server))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_scripted_session_plays_through_the_forwarder(forwarder, api):
    lines = []
    assert play(forwarder, 40.758, -73.9855, out=lines.append) == 0, "\n".join(lines)
    assert lines[0].startswith("logged in as pl-")
    assert any(line.startswith("spun ") and ": 200 " in line for line in lines), lines
    assert lines[-1].startswith("collection: [") and lines[-1] != "collection: []", lines
