"""The player's own profile and team choice."""
import contextlib

from ..game import player as rules
from ..game.actions import Action
from ..game.errors import NotFound, RuleRefused
from .ports import SavePlayer, StaleState


def found_player(state):
    if state is None:
        raise NotFound("no such player", code="player_not_found")
    return state


def load_player(ctx, player_id: str):
    return found_player(ctx.players.get_player(player_id))


def acting_player(ctx, state, action: Action, now_ms: int, at: tuple | None = None):
    """The player (as read, or None), checked for a gameplay action: in good standing,
    within the action's rate limit and, for a cooldown-triggering action at ``at`` =
    (lat, lng), within the travel cooldown. A move fast enough to be spoofing also
    records a strike."""
    state = rules.prune_expired(found_player(state), now_ms)
    rules.check_standing(state, now_ms, ctx.config)
    if at is not None:
        try:
            rules.check_travel(state, at[0], at[1], now_ms)
        except RuleRefused:
            _record_strike(ctx, state, at, now_ms)
            raise
    return rules.count_action(state, action, now_ms, ctx.config)


def _record_strike(ctx, state, at: tuple, now_ms: int) -> None:
    """The one state change a refused action makes: the strike it earned."""
    struck = rules.spoofing_strike(state, at[0], at[1], now_ms, ctx.config)
    if struck is None:
        return
    # A concurrent action may have changed the player; the next jump will strike.
    with contextlib.suppress(StaleState):
        ctx.unit_of_work.commit([SavePlayer(struck)])


def profile(state) -> dict:
    return {
        "player_id": state.player_id,
        "name": state.name,
        "team": state.team,
        "level": state.level,
        "xp": state.xp,
        "stardust": state.stardust,
        "candy": dict(state.candy),
        "trainer_code": state.trainer_code,
        "gifts": state.gifts,
        "strikes": state.strikes,
        "suspended_until_ms": state.suspended_until_ms,
        "created_ms": state.created_ms,
    }


def get_profile(ctx, player_id: str) -> dict:
    return profile(load_player(ctx, player_id))


def choose_team(ctx, player_id: str, team: str) -> dict:
    rules.check_team(team)  # an unknown team is refused before the player is read
    state = rules.choose_team(load_player(ctx, player_id), team, ctx.config)
    try:
        ctx.unit_of_work.commit([SavePlayer(state)])
    except StaleState:
        # Someone changed the player in between; only a team set meanwhile matters.
        state = rules.choose_team(load_player(ctx, player_id), team, ctx.config)
        ctx.unit_of_work.commit([SavePlayer(state)])
    return profile(state)
