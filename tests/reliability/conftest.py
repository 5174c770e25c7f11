"""The reliability tier runs on the API client's fixtures (tests/support/game_api.py, moto in-process).

Fault injection wraps moto's in-process hook, so it needs the moto backend; every test
here is skipped with ``--backend localstack``.
"""
import pytest

from tests.reliability.faults import FaultyDynamoDB, install, share_botocore_session

REPORT_KEY = pytest.StashKey[list]()


@pytest.fixture(autouse=True)
def _moto_only(pytestconfig):
    if pytestconfig.getoption("--backend") != "moto":
        pytest.skip("fault injection wraps moto's in-process hook")


@pytest.fixture
def faults(api, monkeypatch):
    """A ``FaultyDynamoDB`` in place of moto's hook, disabled until a test enables it
    (or forces faults); botocore's backoff made instant; one shared botocore session."""
    return install(monkeypatch, FaultyDynamoDB())


@pytest.fixture
def fast_sdk(api, monkeypatch):
    """No faults, only the shared botocore session (the app builds one per commit)."""
    share_botocore_session(monkeypatch)


@pytest.fixture
def report(pytestconfig):
    """Lines printed in the terminal summary (figures of the randomized runs)."""
    lines = pytestconfig.stash.setdefault(REPORT_KEY, [])
    return lines.append


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(REPORT_KEY, [])
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
