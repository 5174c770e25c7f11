"""The web map's static files on the dev server's own origin (``make run``): ``/play/``.

The browser client (web/public/) calls the API with relative URLs, so serving it from
the same host and port as ``chalice local`` needs no CORS. Only this dev server does
it: the deployed API has no such route, and the page deploys as plain static files
(README "Web map"). Leaflet comes from web/node_modules (``make web-deps``, pinned in
web/package-lock.json) and is served under ``/play/vendor/leaflet/``, the same path
``make web-dist`` copies it to.
"""
from __future__ import annotations

import functools
import mimetypes
import posixpath
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chalice import local

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "/play/"
# URL folder under PREFIX -> directory on disk; the longest match wins.
MOUNTS = {
    "vendor/leaflet/": ROOT / "web" / "node_modules" / "leaflet" / "dist",
    "": ROOT / "web" / "public",
}
MISSING_HINT = {
    "vendor/leaflet/": "Leaflet is not installed: run `make web-deps` (npm ci in web/).",
}
CONTENT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
                 ".html": "text/html", ".json": "application/json", ".png": "image/png",
                 ".svg": "image/svg+xml", ".map": "application/json"}


def resolve(url_path: str) -> tuple[Path | None, str | None]:
    """The file a ``/play/...`` path names (``index.html`` for a folder), or (None, why).

    Anything that would leave its mount (``..``, encoded or not, absolute parts) is
    refused, not normalised into another file."""
    relative = unquote(urlsplit(url_path).path)[len(PREFIX):]
    if "\\" in relative or "\0" in relative:
        return None, "bad path"
    parts = relative.split("/")
    if any(part in ("..", ".") for part in parts) or posixpath.isabs(relative):
        return None, "bad path"
    for mount in sorted(MOUNTS, key=len, reverse=True):
        if not relative.startswith(mount):
            continue
        base = MOUNTS[mount]
        if not base.is_dir():
            return None, MISSING_HINT.get(mount, f"{base} is missing")
        target = base / relative[len(mount):]
        if target.is_dir():
            target = target / "index.html"
        if target.is_file() and target.resolve().is_relative_to(base.resolve()):
            return target, None
        return None, "not found"
    return None, "not found"


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"


class WebMapHandler(local.ChaliceRequestHandler):
    """Chalice's request handler, with GET/HEAD under ``/play`` answered from disk."""

    def _static(self, with_body: bool) -> None:
        if urlsplit(self.path).path == PREFIX.rstrip("/"):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", PREFIX)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        target, why = resolve(self.path)
        if target is None:
            body = f"{why}\n".encode()
            self.send_response(HTTPStatus.BAD_REQUEST if why == "bad path" else HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        else:
            body = target.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type(target))
            # The files change while one develops: the browser asks again every time.
            self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _is_static(self) -> bool:
        path = urlsplit(self.path).path
        return path == PREFIX.rstrip("/") or path.startswith(PREFIX)

    def do_GET(self) -> None:
        if self._is_static():
            self._static(with_body=True)
        else:
            self._generic_handle()

    def do_HEAD(self) -> None:
        if self._is_static():
            self._static(with_body=False)
        else:
            self._generic_handle()


def serve_web(server: local.LocalDevServer) -> None:
    """Make a ``chalice local`` server also answer ``/play/`` (before it serves)."""
    handler = server.server.RequestHandlerClass
    if not isinstance(handler, functools.partial) or handler.func is not local.ChaliceRequestHandler:
        raise TypeError(f"unexpected chalice local handler {handler!r}")
    server.server.RequestHandlerClass = functools.partial(WebMapHandler, *handler.args, **handler.keywords)
