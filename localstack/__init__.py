"""geocritters' own LocalStack launcher (``python -m localstack.launcher``), NOT LocalStack.

This directory is a regular package (it has this ``__init__.py``) so that
``python -m localstack.launcher`` from the project root finds it deterministically. Its
name is the same as the real LocalStack's top-level package, which is safe because the
two never meet in one interpreter:

- The real LocalStack is installed only in its own venv in the cache directory (never in
  the project's ``.venv``) and is started by the launcher as
  ``<cache>/venv/bin/python -P -m localstack.runtime.main`` with its working directory in
  the cache and ``PYTHONPATH`` removed: ``-P`` keeps the working directory off
  ``sys.path``, so nothing from the project root can shadow it. ``install`` checks
  that LocalStack's interpreter imports ``localstack`` from the venv.
- Nothing in the project venv imports the real ``localstack``; do not install
  ``localstack``/``localstack-core`` into the project's ``.venv`` (``pytest.ini`` puts
  the project root on ``sys.path``, where this package would shadow it).

Only the Python standard library, boto3 and the project's ``infra`` package are needed to run
the launcher.
"""
