"""Reads that overlap the request's own DynamoDB call: the map's curated cells and gym
states start here while the position update runs on the request's thread."""
import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class BackgroundReads:
    """One thread, created on first use (warm-only paths never pay for it): one read in
    flight per cache and request, since a Lambda container serves one request at a time."""

    def __init__(self, name: str):
        self._name = name
        self._executor: ThreadPoolExecutor | None = None

    def start(self, read: Callable, *args) -> Future:
        """``read(*args)`` on the thread, with the request's context (its SDK deadline)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=self._name)
        return self._executor.submit(contextvars.copy_context().run, read, *args)
