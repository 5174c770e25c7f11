"""Stops and gyms by id, and the reach every fort action checks: one place for both."""
from ..game import geo
from ..game.errors import NotFound, RuleRefused
from ..game.world import CURATED_ID_PREFIX, parse_fort_id


def find_fort(ctx, fort_id: str, kind: str):
    """A generated or curated fort of ``kind`` ("stop" or "gym") by id: a malformed id is
    the client's mistake (400), a well-formed unknown one or another kind ``<kind>_not_found``."""
    if fort_id.startswith(CURATED_ID_PREFIX):
        fort = ctx.curated.by_id(fort_id)
    else:
        parse_fort_id(fort_id)
        try:
            fort = ctx.world.fort(fort_id)
        except NotFound:
            fort = None
    if fort is None or fort.kind != kind:
        raise NotFound(f"no such {kind}", code=f"{kind}_not_found")
    return fort


def check_in_reach(ctx, fort, lat: float, lng: float) -> None:
    """Fort actions happen within ``fort_interact_radius_m`` of the fort."""
    distance = geo.haversine_m(lat, lng, fort.lat, fort.lng)
    if distance > ctx.config.fort_interact_radius_m:
        raise RuleRefused(
            f"the {fort.kind} is {distance:.0f} m away; come within "
            f"{ctx.config.fort_interact_radius_m:.0f} m", code="out_of_range")
