"""The entry point LocalStack resolves for ``LAMBDA_RUNTIME_EXECUTOR=geocritters-host``."""
from importlib.metadata import version

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin

from . import LOCALSTACK_CORE_VERSION, PLUGIN_NAME


def check_localstack_version() -> None:
    """The executor relies on LocalStack internals: refuse any other version loudly
    (LocalStack would otherwise fail later, somewhere inside an invocation)."""
    installed = version("localstack-core")
    if installed != LOCALSTACK_CORE_VERSION:
        raise RuntimeError(
            f"{PLUGIN_NAME}: written for localstack-core {LOCALSTACK_CORE_VERSION}, this is "
            f"{installed}; re-check its use of LocalStack's Lambda internals and update the pin")


class HostRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = PLUGIN_NAME

    def load(self, *args, **kwargs):
        check_localstack_version()
        from .executor import HostRuntimeExecutor

        return HostRuntimeExecutor
