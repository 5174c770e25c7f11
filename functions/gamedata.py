"""gamedata: the species roster, items, level curve and rule numbers, for clients.

Public (no token): it is the same document for everyone and holds nothing of a player's,
so a CDN or any shared cache may keep it, and a client can read it before logging in.
It reads no table and not the game secret: the document comes from the game core and
the stage's config overrides alone, built once per container and served from memory.

``Cache-Control: public, max-age=300``: the numbers change only with a deploy or a
stage's config, so five minutes bounds how long a client or CDN shows old numbers after
such a change; after that a revalidation with the ETag costs a 304 with no body.

``?region=<geohash-4>`` adds the ``events`` section: the live events in force or
starting within 7 days that apply anywhere in that region (worldwide ones included).
They come from this container's events cache (one Query at most every 60 s, none
otherwise), and the answer says ``max-age=60``: the servers themselves take up to 60 s
to see an event created or cancelled, so a client keeping the list for as long adds at
most that much again (at most ~2 minutes in all), while a planned start or end needs no
refresh at all: the section carries the exact times, and a client switches on them.
Still public (the same for every player in the region) and still one cache entry per
region: any other query parameter is refused.
"""
import json

from geocritters import bootstrap
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.http_cache import cacheable_json
from geocritters.game.actions import Action
from geocritters.game.config import DEFAULT_CONFIG, with_overrides
from geocritters.game.errors import InvalidInput
from geocritters.game.events import parse_region
from geocritters.settings import load_settings
from geocritters.usecases.events import EVENTS_CACHE_TTL_MS
from geocritters.usecases.game_data import PublishedGameData, publish, with_events

CACHE_MAX_AGE_S = 300
# With a region: no longer than the servers' own events cache (see the docstring).
REGION_CACHE_MAX_AGE_S = EVENTS_CACHE_TTL_MS // 1000

feature = Feature("gamedata", Deployment(
    memory_mb=512, reserved_concurrency=10, reads_secret=False,
    # Only with ?region=: the live events, through the container's 60 s cache.
    tables={"events": ("Query",)}))

_published: tuple[str, PublishedGameData] | None = None


def published() -> PublishedGameData:
    """This container's document, rebuilt only if the stage's config overrides change
    (they are read once per container; tests change them between cases)."""
    global _published
    overrides = load_settings().config_overrides
    key = json.dumps(dict(overrides), sort_keys=True)
    if _published is None or _published[0] != key:
        _published = (key, publish(with_overrides(DEFAULT_CONFIG, overrides)))
    return _published[1]


def region_parameter(request) -> str | None:
    """The optional ``region``; any other parameter is refused. One URL, one cache entry:
    a parameter the document ignores would make every cache on the way keep another copy
    of the same document (other GET routes, never cached, ignore unknown parameters)."""
    params = request.query_params or {}
    names = sorted(set(params) - {"region"})
    if names:
        raise InvalidInput(f"GET /v1/game-data takes no query parameters but region: {', '.join(names)}",
                           code="unknown_query_parameter")
    if "region" not in params:
        return None
    return parse_region(params["region"])


@feature.route("/v1/game-data", "GET", Action.GAME_DATA, public=True)
def game_data(request, _player_id):
    region = region_parameter(request)
    document = published()
    if region is None:
        return cacheable_json(request, document.body, document.etag, CACHE_MAX_AGE_S)
    events = bootstrap.events_cache()
    regional = with_events(document, events.current(), region, bootstrap.clock().now_ms())
    return cacheable_json(request, regional.body, regional.etag, REGION_CACHE_MAX_AGE_S)
