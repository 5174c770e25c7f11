"""The dev server's /play/ files (devtools/web_static.py): what a path resolves to, what is
refused, and the API still answered beside them on the same server."""
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devtools import web_static
from devtools.web_static import resolve, serve_web
from tests.support.chalice_local import create_local_server, dev_stage_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_and_its_modules_resolve_under_web_public():
    assert resolve("/play/") == (ROOT / "web" / "public" / "index.html", None)
    assert resolve("/play/app.js?v=1") == (ROOT / "web" / "public" / "app.js", None)
    assert resolve("/play/geo.js#x")[0] == ROOT / "web" / "public" / "geo.js"


@pytest.mark.parametrize("path", [
    "/play/../app.py", "/play/%2e%2e/app.py", "/play/vendor/leaflet/../../../app.py",
    "/play/./index.html", "/play//etc/passwd", "/play/..%5capp.py", "/play/a%00b",
])
def test_paths_leaving_their_folder_are_refused(path):
    assert resolve(path) == (None, "bad path")


def test_unknown_files_are_not_found():
    assert resolve("/play/nothing.js") == (None, "not found")


def test_leaflet_comes_from_node_modules_and_its_absence_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(web_static.MOUNTS, "vendor/leaflet/", tmp_path / "absent")
    target, why = resolve("/play/vendor/leaflet/leaflet.js")
    assert target is None and "make web-deps" in why
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "leaflet.js").write_text("// leaflet")
    monkeypatch.setitem(web_static.MOUNTS, "vendor/leaflet/", tmp_path / "dist")
    assert resolve("/play/vendor/leaflet/leaflet.js") == (tmp_path / "dist" / "leaflet.js", None)


def test_content_types():
    assert web_static.content_type(Path("a.js")) == "text/javascript"
    assert web_static.content_type(Path("a.css")) == "text/css"
    assert web_static.content_type(Path("a.html")) == "text/html"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def dev_server(chalice_app):
    """chalice local as run_local builds it, with serve_web applied."""
    server = create_local_server(chalice_app, dev_stage_config(str(ROOT)), "127.0.0.1", 0)
    serve_web(server)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server.server_address[1]}"
    finally:
        server.server.shutdown()
        server.server.server_close()


def _get(url, method="GET"):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, method=method), timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_dev_server_serves_the_page_beside_the_api(dev_server):
    status, headers, body = _get(dev_server + "/play/")
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b'<script type="module" src="app.js">' in body
    status, headers, body = _get(dev_server + "/play/app.js", method="HEAD")
    assert status == 200 and headers["Content-Type"] == "text/javascript" and body == b""
    assert int(headers["Content-Length"]) == (ROOT / "web" / "public" / "app.js").stat().st_size
    status, headers, _ = _get(dev_server + "/play")
    assert status == 301 and headers["Location"] == "/play/"
    assert _get(dev_server + "/play/%2e%2e/app.py")[0] == 400
    assert _get(dev_server + "/play/missing.js")[0] == 404
    # Everything else is still the API, answered as the gateway answers.
    status, headers, body = _get(dev_server + "/v1/me")
    assert status == 401 and headers["Content-Type"] == "application/json"
    assert _get(dev_server + "/playground")[0] == 404
