"""The player's own profile and team choice."""
from ..game import player as rules
from ..game.errors import NotFound
from .ports import SavePlayer, StaleState


def load_player(ctx, player_id: str):
    state = ctx.store.get_player(player_id)
    if state is None:
        raise NotFound("no such player", code="player_not_found")
    return state


def profile(state) -> dict:
    return {
        "player_id": state.player_id,
        "name": state.name,
        "team": state.team,
        "level": state.level,
        "xp": state.xp,
        "stardust": state.stardust,
        "candy": dict(state.candy),
        "created_ms": state.created_ms,
    }


def get_profile(ctx, player_id: str) -> dict:
    return profile(load_player(ctx, player_id))


def choose_team(ctx, player_id: str, team: str) -> dict:
    state = rules.choose_team(load_player(ctx, player_id), team, ctx.config)
    try:
        ctx.store.commit([SavePlayer(state)])
    except StaleState:
        # Someone changed the player in between; only a team set meanwhile matters.
        state = rules.choose_team(load_player(ctx, player_id), team, ctx.config)
        ctx.store.commit([SavePlayer(state)])
    return profile(state)
