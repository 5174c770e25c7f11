"""Strict request parsing: everything a client can send is validated here, so bad
input becomes a 4xx JSON error and never reaches the game."""
import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ..game.errors import InvalidInput
from .errors import PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 8 * 1024
MAX_JSON_DEPTH = 8
# fullmatch, not ``^...$``: ``$`` also matches before a trailing newline.
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:\-]{8,128}")

# What DynamoDB refuses and moto accepts must not be sent: an empty string in a key, a
# sort key over 1,024 bytes (UTF-8; a partition key over 2,048), a number of magnitude
# below 1e-130. Amazon's DynamoDB answers those with a ValidationException, which would
# reach the client as a 500.
# Path ids (encounter, creature, stop) become sort keys next to the token's player id.
# Every id the server issues is ASCII within this alphabet and at most 75 characters
# (``poi-<geohash6>-<64-character slug>``), so 128 ASCII bytes refuses none of them and
# stays far below the key limit.
MAX_ID_BYTES = 128
_PATH_ID = re.compile(rf"[A-Za-z0-9_.:\-]{{1,{MAX_ID_BYTES}}}")
# A listing cursor is ``<base64url payload>.<hex MAC>`` (about 85 characters); a longer
# one or another alphabet is not one we issued, refused before any hashing.
MAX_CURSOR_BYTES = 256
_CURSOR = re.compile(rf"[A-Za-z0-9_=.\-]{{1,{MAX_CURSOR_BYTES}}}")
# DynamoDB's smallest non-zero number magnitude: 1e-300 or 5e-324 are finite doubles a
# client can send (and moto stores) that DynamoDB refuses.
DYNAMODB_MIN_MAGNITUDE = 1e-130


def _reject_constant(name: str):
    raise InvalidInput(f"{name} is not a JSON number we accept", code="invalid_json")


def _unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise InvalidInput(f"duplicate key {key!r}", code="invalid_json")
        seen[key] = value
    return seen


def _depth(value, level: int = 1) -> int:
    if isinstance(value, dict):
        return max([level] + [_depth(v, level + 1) for v in value.values()])
    if isinstance(value, list):
        return max([level] + [_depth(v, level + 1) for v in value])
    return level


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def json_body(request, *, required: bool = True) -> dict:
    """The request's JSON object: Content-Type application/json, at most 8 KiB, no
    NaN/Infinity, no duplicate keys, not too deep."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        if required:
            raise InvalidInput("a JSON object body is required", code="invalid_json")
        return {}
    content_type = (_header(request.headers, "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    try:
        body = json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        if isinstance(error, InvalidInput):
            raise
        raise InvalidInput("the body is not valid JSON", code="invalid_json") from error
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="invalid_json")
    if _depth(body) > MAX_JSON_DEPTH:
        raise InvalidInput("the body is nested too deeply", code="invalid_json")
    return body


def only_fields(body: Mapping[str, Any], allowed: set[str]) -> None:
    """Unknown fields are refused: a client can't set server-owned values (cp, owner,
    outcome…) by adding them to a request (mass assignment)."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}", code="unknown_field")


def string_field(body: Mapping[str, Any], name: str, *, required: bool = True,
                 min_len: int = 1, max_len: int = 128) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{name} is required", code="missing_field")
        return None
    if not isinstance(value, str) or not (min_len <= len(value) <= max_len) \
            or not _encodable(value):
        raise InvalidInput(f"{name} must be a string of {min_len}-{max_len} characters",
                           code="invalid_field")
    return value


def _encodable(value: str) -> bool:
    """JSON admits lone surrogates ("\\ud800") that no UTF-8 store or hash accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def bool_field(body: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A boolean; null means absent, as for every optional field."""
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false", code="invalid_field")
    return value


def number(value: Any, name: str) -> float:
    """A finite JSON number (bools are not numbers here; huge integers are not finite)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{name} must be a finite number", code="invalid_coordinates")
    try:
        as_float = float(value)
    except OverflowError as error:
        raise InvalidInput(f"{name} must be a finite number", code="invalid_coordinates") from error
    if not math.isfinite(as_float):
        raise InvalidInput(f"{name} must be a finite number", code="invalid_coordinates")
    if abs(as_float) < DYNAMODB_MIN_MAGNITUDE:
        # Closer to 0 than DynamoDB stores a number (coordinates are stored): 0 for all the
        # game can tell (1e-130 degrees is about 1e-125 m). Not refused: the document's
        # range [-90, 90] admits it.
        return 0.0
    return as_float


# A decimal number as clients print doubles ("1.2100000000000002", "1e-07"); Python's
# float() would also take "1_0", " 1", "inf", "0x1" or "١", which are not numbers here.
# A double has at most 17 significant digits, but below 1 the leading zeros add decimals:
# JavaScript's String() prints "-0.0000011111111111111112" (22). 30 decimals covers every
# shortest round-trip form with room to spare while still bounding the parameter's length.
_DECIMAL = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,3})?")


def query_number(params: Mapping[str, str] | None, name: str) -> float:
    raw = (params or {}).get(name)
    if raw is None:
        raise InvalidInput(f"query parameter {name} is required", code="missing_field")
    if not _DECIMAL.fullmatch(raw):
        raise InvalidInput(f"{name} must be a decimal number like -12.345", code="invalid_coordinates")
    return number(float(raw), name)


def query_int(params: Mapping[str, str] | None, name: str, default: int, lo: int, hi: int) -> int:
    raw = (params or {}).get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not lo <= int(raw) <= hi:
        raise InvalidInput(f"{name} must be an integer from {lo} to {hi}", code="invalid_field")
    return int(raw)


def idempotency_key(request) -> str:
    """Mutating actions need an Idempotency-Key header (8-128 of [A-Za-z0-9_.:-])."""
    key = _header(request.headers, "idempotency-key")
    if key is None:
        raise InvalidInput("the Idempotency-Key header is required", code="missing_idempotency_key")
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput("Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ . : -",
                           code="invalid_idempotency_key")
    return key


def path_id(value: str, name: str, code: str) -> str:
    """A path id (encounter, creature, stop): 1-128 characters of [A-Za-z0-9_.:-]. An
    id outside that can't be one we issued; refused as bad input before it becomes a
    DynamoDB key (empty or oversized keys are ValidationExceptions there).

    A client may percent-encode an id's ``:`` (``%3A``), and a gateway may pass it on
    encoded: it is decoded once here (an id never holds ``%``, so nothing else changes)."""
    if isinstance(value, str) and "%" in value:
        value = unquote(value)
    if not isinstance(value, str) or not _PATH_ID.fullmatch(value):
        raise InvalidInput(f"{name} must be 1-{MAX_ID_BYTES} characters of A-Z a-z 0-9 _ . : -",
                           code=code)
    return value


def cursor_param(params: Mapping[str, str] | None) -> str | None:
    """The ``cursor`` query parameter, if any, bounded before it is verified."""
    cursor = (params or {}).get("cursor")
    if cursor is not None and not _CURSOR.fullmatch(cursor):
        raise InvalidInput("invalid cursor", code="invalid_cursor")
    return cursor


def id_field(body: Mapping[str, Any], name: str, code: str) -> str:
    """A required id in a JSON body, held to the same shape as a path id."""
    value = body.get(name)
    if value is None:
        raise InvalidInput(f"{name} is required", code="missing_field")
    return path_id(value, name, code)


def id_list_field(body: Mapping[str, Any], name: str, code: str, *, most: int,
                  size_code: str) -> list[str]:
    """A required list of 1..``most`` ids: a wrong size is ``size_code``, a bad id ``code``."""
    value = body.get(name)
    if value is None:
        raise InvalidInput(f"{name} is required", code="missing_field")
    if not isinstance(value, list) or not 1 <= len(value) <= most:
        raise InvalidInput(f"{name} must be a list of 1-{most} ids", code=size_code)
    return [path_id(item, name, code) for item in value]


def body_position(body: Mapping[str, Any]) -> tuple[float, float]:
    """The player's reported position, ``lat`` and ``lng``, validated."""
    from ..game.geo import validate_coordinates
    return validate_coordinates(number(body.get("lat"), "lat"), number(body.get("lng"), "lng"))
