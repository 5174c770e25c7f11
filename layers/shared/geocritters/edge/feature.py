"""A gameplay feature, declared once: its routes and what its deployed function needs.

Each module ``functions/<name>.py`` declares ``feature = Feature("<name>", Deployment(...))``
and registers its routes with ``@feature.route(...)``. Everything else is derived from
these declarations, never kept beside them:

- ``app.py`` registers every feature's blueprint (one, when deployed);
- ``infra/functions.py`` turns each declaration into the deployed function's spec: its
  memory, timeout, reserved concurrency, least-privilege IAM policy (from ``tables``),
  log group and the API paths integrated with it (``infra/package.py``), and the
  dev-stage policy;
- the route table every coverage check walks (the authorization matrix, the OpenAPI
  contract, the bench scenarios) and the fuzz's list of keyed operations.

A feature may instead (or also) be fed by something other than HTTP: a DynamoDB stream
(``@feature.on_stream``) or a schedule (``@feature.on_schedule``). The packaged template
then wires the event source itself (infra/package.py: an event source mapping with its
retry knobs and dead-letter queue, or an EventBridge rule), and the function's policy
gets exactly what that source needs (infra/functions.py).

A deployed function imports only its own feature module, so a declaration is plain data:
nothing here does I/O.
"""
from dataclasses import dataclass

from chalice import Blueprint

from ..game.actions import Action
from .deployment import Deployment
from .routing import action_route


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    action: Action
    keyed: bool  # takes an Idempotency-Key: an exactly-once mutating action
    public: bool
    # An operator's route (IAM-signed, never a player token): functions/events_admin.py.
    operator: bool = False


@dataclass(frozen=True)
class StreamSource:
    """The function is fed by a table's DynamoDB stream (a Lambda event source mapping).
    The knobs are the mapping's own: a record is retried ``max_retries`` times (the
    failing part of the batch bisected each time), dropped once older than
    ``max_record_age_s``, then its metadata goes to the function's dead-letter queue."""

    table: str  # short name in infra/template.json; its StreamSpecification must be on
    handler: str  # the module attribute Lambda calls: handler(event, context)
    batch_size: int = 100
    batching_window_s: int = 5
    max_retries: int = 3
    max_record_age_s: int = 300
    starting_position: str = "TRIM_HORIZON"


@dataclass(frozen=True)
class Schedule:
    """The function runs on a schedule (an EventBridge rule)."""

    expression: str  # rate(...) or cron(...)
    handler: str


class Feature:
    """One gameplay feature = one Chalice blueprint = one deployed Lambda function."""

    def __init__(self, name: str, deployment: Deployment):
        self.name = name
        self.deployment = deployment
        self.blueprint = Blueprint(f"functions.{name}")
        self.routes: list[Route] = []
        self.stream: StreamSource | None = None
        self.schedule: Schedule | None = None

    def route(self, path: str, method: str, action: Action, *, keyed: bool = False,
              public: bool = False, operator: bool = False, status: int = 200):
        """Register ``view(request, player_id[, key], **path_params)``.

        ``keyed`` routes are exactly-once actions: the Idempotency-Key header is required
        and validated before the view runs, and handed to it as ``key``."""
        self.routes.append(Route(method.upper(), path, Action(action), keyed, public, operator))
        return action_route(self.blueprint, path, method, Action(action), keyed=keyed,
                            public=public, operator=operator, status=status)

    def on_stream(self, table: str, **knobs):
        """Register ``handler(event, context)`` for the stream of ``table``; it answers
        ``{"batchItemFailures": [{"itemIdentifier": <sequence number>}, ...]}``."""
        def decorator(handler):
            self._one_source()
            self.stream = StreamSource(table, handler.__name__, **knobs)
            return handler
        return decorator

    def on_schedule(self, expression: str):
        """Register ``handler(event, context)`` to run on ``expression``."""
        def decorator(handler):
            self._one_source()
            self.schedule = Schedule(expression, handler.__name__)
            return handler
        return decorator

    def _one_source(self) -> None:
        if self.stream is not None or self.schedule is not None:
            raise ValueError(f"{self.name}: a function has at most one non-HTTP source")

    @property
    def handler(self) -> str | None:
        """The module attribute a non-HTTP function's Lambda calls; None for routes."""
        source = self.stream or self.schedule
        return source.handler if source is not None else None

    def __repr__(self) -> str:
        return f"Feature({self.name!r})"
