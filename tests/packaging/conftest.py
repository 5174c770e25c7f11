"""The app packaged ONCE per test session (``packaged`` and ``template``, from
tests/support/packaged.py), and the real zips unzipped for import tests."""
import zipfile

import pytest


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
