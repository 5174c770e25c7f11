"""The API tier's test data builders, by their old import path: they live in tests/support
(nearby, game_state, api_calls). Import them from there; this path stays so tests written
against it on other branches keep working."""
from tests.support.api_calls import start_encounter, throw
from tests.support.game_state import edit_player, player
from tests.support.nearby import a_spawn, a_stop, spawns_around

__all__ = ["a_spawn", "a_stop", "edit_player", "player", "spawns_around", "start_encounter", "throw"]
