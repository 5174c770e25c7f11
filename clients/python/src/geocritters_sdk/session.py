"""A player's session: guest login and token renewal, one Idempotency-Key per action
reused on every retry of it, Retry-After honoured, refusals raised as typed errors.

    game = Session(local(), device_id="my-phone-0001")
    seen = game.call(view_map, lat=40.758, lng=-73.9855)          # a generated endpoint
    spun = game.call(spin_stop, stop_id=stop.id, body=SpinRequest(lat=stop.lat, lng=stop.lng))

The rules of every call (``call`` with a generated endpoint module, ``request`` with a
method and a path):

- Token: logs in as a guest (the device id is the player) before the first call, again
  when the token is within ``renew_before_s`` of its ``expires_in``, and once more when
  the server answers 401 (its clock decides: a token can expire early for us).
- Idempotency-Key: an action (every operation that takes one) gets a fresh key when the
  call starts; every retry of that call sends the same key, so the server applies it once
  and answers the retries with the stored answer. Pass ``idempotency_key=`` to make two
  calls one action (e.g. after the app restarts mid-action).
- Retries, at most ``max_attempts`` in all: 429 and 503 after their Retry-After (never
  sooner, up to ``retry_after_jitter`` later; a wait above ``max_retry_after_s`` raises
  instead); no answer (timeout, dropped connection) after a jittered backoff, but only
  when a repeat is harmless: a read (GET), a keyed action, the login, or a request that
  never left (connection refused). Nothing else is retried: a refusal is an answer.
"""
from __future__ import annotations

import inspect
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from .errors import ConnectionFailed, error_for, retry_after_s
from .generated.api.auth import guest_login
from .generated.client import Client
from .generated.models import GuestLoginRequest, GuestLoginResponse
from .settings import Settings

# Failures where the request can't have reached the server: always safe to send again.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class _Bearer(httpx.Auth):
    """The session's current token on every request (read at send time: a renewal
    between two attempts is picked up)."""

    def __init__(self, session: Session):
        self._session = session

    def auth_flow(self, request):
        if self._session.token and "Authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {self._session.token}"
        yield request


class Session:
    def __init__(self, settings: Settings, device_id: str | None = None, *,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random):
        """``device_id`` None: no login (set ``token`` yourself). ``transport``: httpx's
        (tests put a fake one here); ``clock``/``sleep``/``rand``: for the same reason."""
        self.settings = settings
        self.device_id = device_id
        self.token: str | None = None
        self.player_id: str | None = None
        self.logins = 0
        self._renew_at: float | None = None
        self._clock, self._sleep, self._rand = clock, sleep, rand
        httpx_args: dict[str, Any] = {"auth": _Bearer(self)}
        if transport is not None:
            httpx_args["transport"] = transport
        self.client = Client(base_url=settings.base_url, timeout=settings.timeout(),
                             headers={"User-Agent": settings.user_agent}, httpx_args=httpx_args)

    # -- the two ways to call ------------------------------------------------------------

    def call(self, endpoint, /, **arguments):
        """A generated endpoint (a module of ``geocritters_sdk.generated.api``) with its
        keyword arguments: returns its parsed 2xx model (None for 304); raises
        ``ApiError`` subclasses and ``ConnectionFailed``."""
        if "idempotency_key" in inspect.signature(endpoint.sync_detailed).parameters \
                and arguments.get("idempotency_key") is None:
            arguments["idempotency_key"] = new_idempotency_key()
        method = endpoint._get_kwargs(**arguments)["method"].upper()
        response = self._attempts(lambda: endpoint.sync_detailed(client=self.client, **arguments),
                                  repeatable=method == "GET" or "idempotency_key" in arguments
                                  or endpoint is guest_login,  # same device id, same player
                                  authenticated=endpoint is not guest_login)
        return response.parsed

    def request(self, method: str, path: str, body: Any = None, *, action: bool = False,
                idempotency_key: str | None = None) -> Any:
        """The same rules by path, JSON in and out (``action``: send an Idempotency-Key)."""
        response = self.fetch(method, path, body, action=action, idempotency_key=idempotency_key)
        return response.json() if response.content else None

    def fetch(self, method: str, path: str, body: Any = None, *, action: bool = False,
              idempotency_key: str | None = None) -> httpx.Response:
        """As ``request``, returning the 2xx ``httpx.Response`` (status, headers)."""
        if action and idempotency_key is None:
            idempotency_key = new_idempotency_key()
        return self._attempts(lambda: self.send(method, path, body, idempotency_key),
                              repeatable=method.upper() == "GET" or idempotency_key is not None)

    def send(self, method: str, path: str, body: Any = None,
             idempotency_key: str | None = None) -> httpx.Response:
        """One attempt, as is: no login, no retry, no exception for a refusal."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.client.get_httpx_client().request(method.upper(), path, json=body, headers=headers)

    # -- the session ---------------------------------------------------------------------

    def login(self) -> GuestLoginResponse:
        if self.device_id is None:
            raise ValueError("this session has no device id to log in with")
        self.token = None  # the login itself carries no token
        started = self._clock()
        answer = self._attempts(
            lambda: guest_login.sync_detailed(client=self.client, body=GuestLoginRequest(device_id=self.device_id)),
            repeatable=True, authenticated=False).parsed
        self.token, self.player_id = answer.token, answer.player_id
        self._renew_at = started + answer.expires_in - min(self.settings.renew_before_s, answer.expires_in / 10)
        self.logins += 1
        return answer

    def _ensure_token(self) -> None:
        if self.device_id is None:
            return  # a token set by hand: used as it is
        if self.token is None or (self._renew_at is not None and self._clock() >= self._renew_at):
            self.login()

    def close(self) -> None:
        self.client.get_httpx_client().close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the retry loop ------------------------------------------------------------------

    def _attempts(self, send_once, *, repeatable: bool, authenticated: bool = True):
        settings = self.settings
        attempt, renewed = 0, False
        while True:
            attempt += 1
            last = attempt >= settings.max_attempts
            if authenticated:
                self._ensure_token()
            try:
                response = send_once()
            except httpx.TransportError as error:
                if last or not (repeatable or isinstance(error, NEVER_SENT)):
                    raise ConnectionFailed(f"no answer after {attempt} attempt(s): {error!r}") from error
                self._sleep(self._backoff(attempt))
                continue
            status = int(response.status_code)
            if status < 400:
                return response
            if status == 401 and authenticated and not renewed and self.device_id is not None:
                # Expired or revoked for the server: log in again, once, and resend. Not
                # counted as an attempt: it is not the server being busy.
                renewed, self.token = True, None
                attempt -= 1
                continue
            if status in (429, 503) and not last:
                wait = self._wait(response.headers, attempt)
                if wait is not None:
                    self._sleep(wait)
                    continue
            raise error_for(status, response.content, response.headers)

    def _backoff(self, attempt: int) -> float:
        settings = self.settings
        return self._rand() * min(settings.backoff_cap_s, settings.backoff_base_s * 2 ** (attempt - 1))

    def _wait(self, headers, attempt: int) -> float | None:
        """Seconds to wait before the next attempt after a 429/503; None: don't retry."""
        settings = self.settings
        asked = retry_after_s(headers)
        if asked is None:
            return self._backoff(attempt)
        if asked > settings.max_retry_after_s:
            return None
        seconds = asked * settings.retry_after_scale
        return seconds * (1 + settings.retry_after_jitter * self._rand())
