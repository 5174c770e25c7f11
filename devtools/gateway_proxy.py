"""Serve a deployed API's stage on 127.0.0.1:8000 (``make run BACKEND=deployed``).

LocalStack's API Gateway answers at ``<localstack>/restapis/<id>/<stage>/_user_request_``
(its host-style address needs DNS). This forwards every request, unchanged, to that
prefix, so clients, ``make play-world`` and ``devtools.play`` use the same address as
with ``make run``. Standard library only; a dev tool, not part of the deployment."""
from __future__ import annotations

import argparse
import contextlib
import http.client
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own, never forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "transfer-encoding", "upgrade", "host", "content-length",
              "date", "server"}  # the last two: this server writes its own


def make_handler(target: str):
    parts = urllib.parse.urlsplit(target)
    prefix = parts.path.rstrip("/")

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            try:
                upstream.request(self.command, prefix + self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError as exc:
                message = f'{{"error":{{"code":"gateway_unreachable","message":"{type(exc).__name__}"}}}}'
                self.send_response(502)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                self.wfile.write(message.encode())
            finally:
                upstream.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _forward

        def log_message(self, format, *args):  # one line per request, like chalice local
            print(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    return Forward


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", help="the API stage's URL, e.g. http://127.0.0.1:4566/restapis/<id>/api/_user_request_")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.target))
    print(f"serving {args.target} on http://{args.host}:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
