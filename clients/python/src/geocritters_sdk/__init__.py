"""Python SDK for the Geocritters game API.

- ``Session`` (session.py): login, token renewal, idempotency keys, retries.
- ``mobile()`` / ``local()`` (settings.py): timeouts and retry limits.
- ``errors``: one exception class per error code, under one per HTTP status.
- ``models`` and ``generated.api``: generated from docs/openapi.json when the package is
  built (clients/python/build_backend.py); never edited, never committed.
"""
try:
    from .generated import models
except ImportError as error:  # a source tree that was never built
    raise ImportError(
        "geocritters_sdk.generated is missing: the models are generated from docs/openapi.json "
        "when the package is built. Install it (pip install ./clients/python) or run "
        "python clients/python/build_backend.py") from error

from . import errors
from .errors import ApiError, ConnectionFailed, SdkError
from .session import Session, new_idempotency_key
from .settings import Settings, local, mobile

__all__ = ["ApiError", "ConnectionFailed", "SdkError", "Session", "Settings", "errors", "local", "mobile",
           "models", "new_idempotency_key"]
