"""One count of every benchmark scenario on moto, shared by the bench tier: the figures
test_figures.py checks and the recordings test_replay.py replays (counting every
scenario takes most of a minute; doing it once keeps ``make test`` shorter)."""
import contextlib
import os
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

from bench import hooks  # noqa: F401  (registers the call-recording hooks first)
from bench.actions import count
from bench.capacity import SizeModel
from bench.game import SECRET, STAGE, Harness
from infra.provision import provision


@dataclass
class BenchRun:
    harness: Harness  # closed: ``replaying()`` puts it back to work without moto
    environment: dict  # the app's environment for the bench stage
    figures: dict
    recordings: dict

    @contextlib.contextmanager
    def replaying(self):
        """The harness as the CPU phase finds it: the stage's environment, its fake
        clock installed, no AWS behind it (moto is gone: only canned responses answer)."""
        saved = dict(os.environ)
        os.environ.update(self.environment)
        try:
            self.harness.reset()
            yield self.harness
        finally:
            self.harness.close()
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="session")
def bench_run() -> BenchRun:
    saved = dict(os.environ)
    harness = None
    try:
        with mock_aws():
            environment = provision(STAGE, secret_value=SECRET)
            os.environ.update(environment)
            harness = Harness()
            harness.seed_curated()
            figures, recordings = count(harness, SizeModel(boto3.client("dynamodb", region_name="us-east-1")),
                                        emulator=False, record=True)
    finally:
        if harness is not None:
            harness.close()
        os.environ.clear()
        os.environ.update(saved)
    return BenchRun(harness, environment, figures, recordings)
