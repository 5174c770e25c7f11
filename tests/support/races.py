"""What every race test shares: requests released together, a mobile client's retry of
503s, and the rule that races run on DynamoDB Local only (moto is not thread-safe, so a
pass there would prove nothing). ``RACE_TRIALS`` repeats each race (default 2, which keeps
`make test` near its 25-minute budget; `RACE_TRIALS=10 make test-localstack` for a long run)."""
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

TRIALS = int(os.environ.get("RACE_TRIALS", "2"))


@pytest.fixture
def real_database_only(pytestconfig):
    """A race module's ``pytestmark = pytest.mark.usefixtures("real_database_only")``."""
    backend = pytestconfig.getoption("--backend")
    if backend == "deployed":
        pytest.skip("races run on DynamoDB Local behind chalice local (make test-localstack): "
                    "deployed, each of the parallel requests would start an execution "
                    "environment of its own (~1 s of CPU each on a 2-core machine)")
    if backend != "localstack":
        pytest.skip("races run on DynamoDB Local (make test-localstack), never on moto")


def race(n: int, request):
    """Run ``request(i)`` n times at once; the barrier makes them start together."""
    barrier = threading.Barrier(n)

    def go(i):
        barrier.wait()
        return request(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(go, range(n)))


def until_settled(send, attempts: int = 60, busy: list | None = None):
    """A mobile client: retry a 503 (same key) until the server settles the request,
    after a short jittered pause (Retry-After says 1 s; a test can't wait that long).
    Each 503 is appended to ``busy`` when given (a test reports how many it took)."""
    for _ in range(attempts):
        status, body, headers = send()
        if status != 503:
            return status, body
        assert "Retry-After" in headers
        if busy is not None:
            busy.append(1)
        time.sleep(random.uniform(0.05, 0.3))
    raise AssertionError("still 503 after many retries")


def settled(send, *args):
    """``send(*args)`` until it is not a 503."""
    return until_settled(lambda: send(*args))
