"""A LocalStack runtime executor that runs each Lambda execution environment as a host
process (no Docker): ``LAMBDA_RUNTIME_EXECUTOR=geocritters-host``.

- ``plugin``: the entry point LocalStack looks up (group
  ``localstack.lambda.runtime_executor``); refuses any localstack-core but the pinned one.
- ``executor``: the ``RuntimeExecutor`` LocalStack drives (runs inside LocalStack).
- ``runtime_host``: the process of one execution environment (runs on the Lambda
  runtime's Python 3.11, standard library only): a small Lambda Runtime API for
  ``awslambdaric`` and LocalStack's executor protocol (ready, invoke, logs, result).
"""

PLUGIN_NAME = "geocritters-host"
# The executor subclasses LocalStack internals (RuntimeExecutor, ExecutorEndpoint,
# S3Code) and speaks its private executor protocol: written and tested against this
# version only.
LOCALSTACK_CORE_VERSION = "2026.3.0"
# The Python the functions run on (infra/package.py RUNTIME), found by the launcher and
# handed over in this variable (a venv of it with awslambdaric, in the launcher's cache).
RUNTIME_PYTHON_ENV = "GEOCRITTERS_LAMBDA_RUNTIME_PYTHON"
SUPPORTED_RUNTIME = "python3.11"
