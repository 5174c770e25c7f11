"""Run LocalStack on this machine without Docker and without internet ("host mode").

One module per job (usage and the full story: ``cli.py`` and localstack/README.md):

- ``paths``: the cache directory outside the repository and its layout
- ``install``: LocalStack's venv, DynamoDB Local, the stand-in Java agent, the JDK link
- ``processes``: ``start``, ``stop``, ``status`` of this cache's LocalStack
- ``aws``: the endpoint of a running LocalStack, boto3 clients on it, readiness
- ``deploy``: infra/template.json through LocalStack's CloudFormation
- ``cli``: ``python -m localstack.launcher install|start|stop|deploy|logs|status|check``

What other code uses is re-exported here.
"""
from .cli import main
from .common import LauncherError
from .install import find_python, install, missing_prerequisites
from .paths import Paths, cache_dir
from .processes import DEFAULT_PORT, DEFAULT_SERVICES, our_processes, start, status, stop

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_SERVICES",
    "LauncherError",
    "Paths",
    "cache_dir",
    "find_python",
    "install",
    "main",
    "missing_prerequisites",
    "our_processes",
    "start",
    "status",
    "stop",
]
