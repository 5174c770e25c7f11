"""gamedata: the species roster, items, level curve and rule numbers, for clients.

Public (no token): it is the same document for everyone and holds nothing of a player's,
so a CDN or any shared cache may keep it, and a client can read it before logging in.
It reads no table and not the game secret: the document comes from the game core and
the stage's config overrides alone, built once per container and served from memory.

``Cache-Control: public, max-age=300``: the numbers change only with a deploy or a
stage's config (later, a live event starting or ending), so five minutes bounds how
long a client or CDN shows old numbers after such a change; after that a revalidation
with the ETag costs a 304 with no body.
"""
import json

from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.http_cache import cacheable_json
from geocritters.game.actions import Action
from geocritters.game.config import DEFAULT_CONFIG, with_overrides
from geocritters.game.errors import InvalidInput
from geocritters.settings import load_settings
from geocritters.usecases.game_data import PublishedGameData, publish

CACHE_MAX_AGE_S = 300

feature = Feature("gamedata", Deployment(memory_mb=512, reserved_concurrency=10, reads_secret=False))

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


def refuse_query_parameters(request) -> None:
    """One URL, one cache entry: a query string would make every cache on the way keep
    another copy of the same document (other GET routes, never cached, ignore unknown
    parameters; this one has none to take)."""
    names = sorted(request.query_params or {})
    if names:
        raise InvalidInput(f"GET /v1/game-data takes no query parameters: {', '.join(names)}",
                           code="unknown_query_parameter")


@feature.route("/v1/game-data", "GET", Action.GAME_DATA, public=True)
def game_data(request, _player_id):
    refuse_query_parameters(request)
    document = published()
    return cacheable_json(request, document.body, document.etag, CACHE_MAX_AGE_S)
