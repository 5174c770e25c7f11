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


class Feature:
    """One gameplay feature = one Chalice blueprint = one deployed Lambda function."""

    def __init__(self, name: str, deployment: Deployment):
        self.name = name
        self.deployment = deployment
        self.blueprint = Blueprint(f"functions.{name}")
        self.routes: list[Route] = []

    def route(self, path: str, method: str, action: Action, *, keyed: bool = False,
              public: bool = False, status: int = 200):
        """Register ``view(request, player_id[, key], **path_params)``.

        ``keyed`` routes are exactly-once actions: the Idempotency-Key header is required
        and validated before the view runs, and handed to it as ``key``."""
        self.routes.append(Route(method.upper(), path, Action(action), keyed, public))
        return action_route(self.blueprint, path, method, Action(action), keyed=keyed,
                            public=public, status=status)

    def __repr__(self) -> str:
        return f"Feature({self.name!r})"
