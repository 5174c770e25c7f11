"""Responses a client or a CDN may keep: a strong ETag, ``Cache-Control``, and conditional
GETs (``If-None-Match``, RFC 9110 §13.1.2) answered 304 with no body."""
import re

from chalice import Response

# An entity-tag's opaque part (RFC 9110 §8.8.3: a quoted string without DQUOTE inside).
# Found anywhere in the field value: a weak tag's "W/" prefix is left out (the weak
# comparison ignores it), and a list ("a", W/"b") or header lines joined by commas work.
_OPAQUE_TAG = re.compile(r'"[^"]*"')


def if_none_match_hits(field_value: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names the current representation: "*" names any; otherwise
    one of its entity-tags must equal ``etag`` by the weak comparison the field uses (the
    opaque tags alone: W/"x" matches "x", since a CDN that compresses may weaken a tag).
    A malformed value names nothing: the full answer is sent, as if it were absent."""
    if field_value is None:
        return False
    if field_value.strip() == "*":
        return True
    return etag.removeprefix("W/") in _OPAQUE_TAG.findall(field_value)


def _header(headers, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def cacheable_json(request, body: str, etag: str, max_age_s: int) -> Response:
    """200 with the JSON ``body`` (already serialized), or 304 with no body when the
    request's If-None-Match names ``etag``. Both carry the ETag and the Cache-Control a
    200 has, as RFC 9110 §15.4.5 asks of a 304; ``public``: nothing in it is per player."""
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age_s}"}
    if if_none_match_hits(_header(request.headers, "if-none-match"), etag):
        return Response(body="", status_code=304, headers=headers)
    return Response(body=body, status_code=200,
                    headers={"Content-Type": "application/json", **headers})
