"""Package the app ONCE per test session (real ``chalice package`` + the fan-out +
bytecode) into a temporary build dir, and unzip the real zips for import tests."""
import json
import zipfile
from pathlib import Path

import pytest

STAGE = "prod"


@pytest.fixture(scope="session")
def packaged(tmp_path_factory):
    from infra.package import package

    return package(STAGE, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def template(packaged):
    return json.loads(Path(packaged["template"]).read_text())


@pytest.fixture(scope="session")
def unzipped(packaged, tmp_path_factory):
    """{"task": <deployment.zip unzipped>, "layer": <layer zip's site-packages>} —
    what Lambda puts in /var/task and /opt."""
    from infra.package import LAYER_SITE_PACKAGES

    root = tmp_path_factory.mktemp("lambda")
    task, opt = root / "task", root / "opt"
    with zipfile.ZipFile(packaged["code_zip"]) as z:
        z.extractall(task)
    with zipfile.ZipFile(packaged["layer_zip"]) as z:
        z.extractall(opt)
    return {"task": task, "layer": opt / LAYER_SITE_PACKAGES, "root": root}
