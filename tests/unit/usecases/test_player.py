"""Login, profile, team choice and the map's position write, on the in-memory store."""
from dataclasses import replace

import pytest

from geocritters.game.errors import Conflict, InvalidInput, NotFound, RateLimited, RuleRefused
from geocritters.usecases.auth import guest_login
from geocritters.usecases.map import view_map
from geocritters.usecases.player import choose_team, get_profile
from geocritters.usecases.ports import SavePlayer

from .conftest import HOME


def test_a_device_logs_in_as_the_same_player_with_a_new_token(ctx, store, tokens, clock):
    first = guest_login(ctx, "device-0001")
    clock.advance(1000)
    again = guest_login(ctx, "device-0001")
    assert first["player_id"] == again["player_id"] != guest_login(ctx, "device-0002")["player_id"]
    assert (first["token"], again["token"]) == ("token-1", "token-2")
    assert first["expires_in"] == 3600
    assert tokens.issued[:2] == [(first["player_id"], clock.now_ms() // 1000 - 1),
                                 (first["player_id"], clock.now_ms() // 1000)]
    assert len(store.tables.players) == 2


def test_a_new_player_has_the_starting_stock_and_no_team(ctx, player_id):
    me = get_profile(ctx, player_id)
    assert (me["team"], me["level"], me["stardust"], me["strikes"]) == (None, 1, 0, 0)


def _level(store, player_id, xp):
    store.commit([SavePlayer(replace(store.get_player(player_id), xp=xp))])


def test_a_team_is_chosen_once_from_level_5(ctx, player_id, store):
    with pytest.raises(RuleRefused) as refused:
        choose_team(ctx, player_id, "red")
    assert refused.value.code == "level_too_low"
    _level(store, player_id, 10_000)
    assert choose_team(ctx, player_id, "red")["team"] == "red"
    assert store.get_player(player_id).team == "red"
    with pytest.raises(Conflict) as refused:
        choose_team(ctx, player_id, "blue")
    assert refused.value.code == "team_already_chosen"


def test_an_unknown_team_is_invalid_input_before_anything_else(ctx, player_id, store):
    """The same error the API always gave: 400 invalid_field, naming the teams, even
    for a player who has already chosen or who doesn't exist."""
    for who in (player_id, "pl-nobody"):
        with pytest.raises(InvalidInput) as refused:
            choose_team(ctx, who, "purple")
        assert refused.value.code == "invalid_field"
        assert refused.value.message == "team must be one of blue, red, yellow"
    assert store.get_player(player_id).team is None


def test_a_team_choice_racing_another_change_is_retried(ctx, player_id, store):
    _level(store, player_id, 10_000)
    real_commit, raced = store.unit_of_work.commit, []

    def racing_commit(changes, action=None):
        if not raced:  # another action saves the player first
            raced.append(True)
            _level(store, player_id, 10_001)
        return real_commit(changes, action)
    ctx.unit_of_work.commit = racing_commit
    assert choose_team(ctx, player_id, "yellow")["team"] == "yellow"
    assert (store.get_player(player_id).team, store.get_player(player_id).xp) == ("yellow", 10_001)


def test_the_map_is_rate_limited_per_minute(ctx, player_id, clock):
    for _ in range(30):
        view_map(ctx, player_id, *HOME)
    with pytest.raises(RateLimited):
        view_map(ctx, player_id, *HOME)
    clock.advance(60_000)
    assert view_map(ctx, player_id, *HOME)["server_ms"] == clock.now_ms()


def test_the_map_of_an_unknown_player_is_not_found(ctx):
    with pytest.raises(NotFound):
        view_map(ctx, "pl-nobody", *HOME)


def test_a_refused_map_request_ends_its_own_cells_read(ctx, store, clock):
    """A cold container reads the curated cells on a background thread while it records
    the position; when that write refuses the request, the read must be over before the
    refusal is raised, or it would run on into the container's next request."""
    import threading

    from geocritters.usecases.curated import CuratedForts

    release, finished = threading.Event(), threading.Event()
    cells = store.cells

    class SlowCells:
        def curated_forts(self, wanted):
            release.wait(5)
            try:
                return cells.curated_forts(wanted)
            finally:
                finished.set()

    ctx.curated = CuratedForts(SlowCells(), clock)
    threading.Timer(0.2, release.set).start()
    with pytest.raises(NotFound):
        view_map(ctx, "pl-nobody", *HOME)
    assert finished.is_set()
