"""The api client's old import path: it lives in tests/support/game_api.py (the pytest
plugin tests/conftest.py loads) and HOME in tests/support/nearby.py. Import them from
there; this path stays so tests written against it on other branches keep working."""
from tests.support.game_api import START_MS, GameApi
from tests.support.nearby import HOME

__all__ = ["HOME", "START_MS", "GameApi"]
