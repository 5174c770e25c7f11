"""The operators' command line for live events: create, list and cancel them through the
IAM-signed admin routes (functions/events_admin.py).

    python -m infra.events create --url https://<api-id>.execute-api.<region>.amazonaws.com/api \\
        --name "Double XP weekend" --start +10m --end 2026-12-07T00:00:00Z \\
        --prefix u09 --prefix u0d --xp 2 --stardust 2
    python -m infra.events list --url ...
    python -m infra.events cancel --url ... ev-0123456789abcdef

Requests are signed with AWS SigV4 (service ``execute-api``) by botocore, with the
credentials of the standard AWS chain (environment, profile, SSO, instance role...):
the caller needs the template's ``EventsOperatorPolicy``. Against ``make run`` (the dev
server) the local gateway checks the signature with the server's own fake credentials.

Times are ISO-8601 UTC (``2026-12-05T18:00:00Z``) or relative to now (``+90s``, ``+10m``,
``+2h``, ``+3d``). An event must start at least 2 minutes from now: every server's
60 s events cache has read it by then. ``create`` sends an Idempotency-Key (``--key``, or
a new one it prints): run it again with the same key to retry safely.

Exit codes: 0 done, 1 the API refused (its JSON error printed), 2 bad arguments.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.session import Session

ADMIN_PATH = "/v1/admin/events"
SERVICE = "execute-api"
DEFAULT_REGION = "us-east-1"
_RELATIVE = re.compile(r"^\+(\d+)([smhd])$")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")
# (flag, effect name): the multipliers, each optional.
EFFECT_FLAGS = (("--xp", "xp_multiplier"), ("--stardust", "stardust_multiplier"),
                ("--hatch-distance", "hatch_distance_multiplier"),
                ("--gift-limit", "gift_limit_multiplier"),
                ("--remote-raid-limit", "remote_raid_limit_multiplier"))

# send(method, url, headers, body) -> (status, body bytes)
Send = Callable[[str, str, dict, bytes], tuple[int, bytes]]


class UsageError(Exception):
    pass


def signed_headers(method: str, url: str, body: bytes, credentials, region: str,
                   headers: dict | None = None) -> dict:
    """The headers of a SigV4-signed request to API Gateway (Host, X-Amz-Date,
    Authorization, and X-Amz-Security-Token for temporary credentials)."""
    all_headers = {"Host": urlsplit(url).netloc, "Content-Type": "application/json", **(headers or {})}
    request = AWSRequest(method=method, url=url, data=body, headers=all_headers)
    SigV4Auth(credentials, SERVICE, region).add_auth(request)
    return dict(request.headers.items())


def region_of(url: str, session: Session | None = None) -> str:
    """The API's region: from an execute-api host, else the chain's (AWS_REGION, profile)."""
    found = _EXECUTE_API_HOST.match(urlsplit(url).hostname or "")
    if found:
        return found.group(1)
    return (session or Session()).get_config_variable("region") or DEFAULT_REGION


def parse_time(raw: str, now_ms: int) -> int:
    """Epoch milliseconds of ``+10m``-style (from now) or ISO-8601 UTC."""
    relative = _RELATIVE.match(raw)
    if relative:
        return now_ms + int(relative.group(1)) * _UNIT_MS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{raw!r}: use ISO-8601 UTC (2026-12-05T18:00:00Z) or +90s/+10m/+2h/+3d") from None
    if moment.tzinfo is None or moment.utcoffset().total_seconds() != 0:
        raise UsageError(f"{raw!r}: give the time in UTC (a Z or +00:00 suffix)")
    return int(moment.astimezone(UTC).timestamp() * 1000)


def event_body(args, now_ms: int) -> dict:
    effects = {name: value for flag, name in EFFECT_FLAGS
               if (value := getattr(args, flag.lstrip("-").replace("-", "_"))) is not None}
    if args.species:
        effects["spawn_species"] = args.species
    if args.spawn_share is not None:
        effects["spawn_share"] = args.spawn_share
    return {"name": args.name, "start_ms": parse_time(args.start, now_ms),
            "end_ms": parse_time(args.end, now_ms), "prefixes": args.prefix or [],
            "effects": effects}


def _http_send(method: str, url: str, headers: dict, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.events", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a live event")
    listing = commands.add_parser("list", help="events not ended or ended within 7 days")
    cancel = commands.add_parser("cancel", help="end an event now")
    for sub in (create, listing, cancel):
        sub.add_argument("--url", required=True, help="the API's base URL (with its stage, e.g. .../api)")
        sub.add_argument("--region", help="the API's AWS region (default: from the URL or the AWS config)")
    create.add_argument("--name", required=True)
    create.add_argument("--start", required=True, help="ISO-8601 UTC or +10m (from now)")
    create.add_argument("--end", required=True, help="ISO-8601 UTC or +2d (from now)")
    create.add_argument("--prefix", action="append", help="geohash prefix (1-6 chars), repeatable; none: worldwide")
    for flag, name in EFFECT_FLAGS:
        create.add_argument(flag, type=float, help=name)
    create.add_argument("--species", type=int, action="append", help="event species id, repeatable")
    create.add_argument("--spawn-share", type=float, help="share of spawns re-drawn among --species (0-0.5]")
    create.add_argument("--key", help="Idempotency-Key (default: a new one, printed; reuse it to retry)")
    cancel.add_argument("event_id")
    return parser


def main(argv: list[str] | None = None, *, send: Send = _http_send, credentials=None,
         now_ms: int | None = None, out=sys.stdout, err=sys.stderr) -> int:
    args = _parser().parse_args(argv)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    base = args.url.rstrip("/")
    headers: dict = {}
    body = b""
    try:
        if args.command == "create":
            key = args.key or f"events-cli-{uuid.uuid4().hex}"
            headers["Idempotency-Key"] = key
            body = json.dumps(event_body(args, now_ms)).encode()
            method, url = "POST", base + ADMIN_PATH
            print(f"Idempotency-Key: {key}", file=err)
        elif args.command == "list":
            method, url = "GET", base + ADMIN_PATH
        else:
            method, url = "DELETE", f"{base}{ADMIN_PATH}/{args.event_id}"
    except UsageError as error:
        print(f"error: {error}", file=err)
        return 2
    session = Session()
    credentials = credentials or session.get_credentials()
    if credentials is None:
        print("error: no AWS credentials found (environment, profile, SSO or role)", file=err)
        return 2
    region = args.region or region_of(base, session)
    signed = signed_headers(method, url, body, credentials, region, headers)
    status, answer = send(method, url, signed, body)
    try:
        document = json.loads(answer or b"null")
    except ValueError:
        document = None
    if 200 <= status < 300:
        print(json.dumps(document, indent=2), file=out)
        return 0
    error = (document or {}).get("error", {}) if isinstance(document, dict) else {}
    print(f"error {status}: {error.get('code', 'unknown')}: {error.get('message', answer[:200])}", file=err)
    return 1


if __name__ == "__main__":
    sys.exit(main())
