"""The app packaged ONCE per test session (real ``chalice package`` + the fan-out + bytecode).

A pytest plugin (tests/conftest.py): the packaging tier checks the build, the security
tier reads its template; whichever tier asks first builds it, the other reuses it.
"""
import json
from pathlib import Path

import pytest

STAGE = "prod"


@pytest.fixture(scope="session")
def packaged(tmp_path_factory):
    """What ``python -m infra.package --stage prod`` builds, in a temporary build dir."""
    from infra.package import package

    return package(STAGE, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def template(packaged):
    """The packaged CloudFormation template, as JSON."""
    return json.loads(Path(packaged["template"]).read_text())


@pytest.fixture(scope="session")
def packaged_template(template):
    """The same template, under the name the security tier uses."""
    return template
