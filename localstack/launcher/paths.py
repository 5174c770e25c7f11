"""Where the launcher keeps everything: one cache directory outside the repository, its layout."""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

# Where LocalStack (2026.3.0) looks for pre-installed packages, relative to FILESYSTEM_ROOT
# (localstack/services/dynamodb/packages.py, localstack/packages/java.py).
LS_LIBS = Path("var/lib/localstack/lib")
DDB_DIR = LS_LIBS / "dynamodb-local" / "2"
DDB_AGENT = DDB_DIR / "ddb-local-loader-0.1.jar"
JAVA_LINK = LS_LIBS / "java" / "21"


def cache_dir() -> Path:
    override = os.environ.get("GEOCRITTERS_CACHE")
    if override:
        return Path(override).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return (Path(base) / "geocritters" / "localstack").resolve()


class Paths:
    def __init__(self, root: Path):
        self.root = root
        self.venv = root / "venv"
        self.python = self.venv / "bin" / "python"
        # The Lambda functions' Python 3.11 with awslambdaric (the host executor's runtime).
        self.lambda_venv = root / "lambda-runtime"
        self.lambda_python = self.lambda_venv / "bin" / "python"
        self.fs = root / "fs"
        self.ddb = self.fs / DDB_DIR
        self.agent = self.fs / DDB_AGENT
        self.java_link = self.fs / JAVA_LINK
        self.build = root / "build"
        self.downloads = root / "downloads"
        self.run = root / "run"
        self.tmp = self.run / "tmp"
        self.state = self.run / "state.json"
        self.log = self.run / "localstack.log"
        self.stamp = root / "install.stamp"
        self.lock = root / ".lock"


@contextlib.contextmanager
def locked(paths: Paths):
    """One launcher command at a time per cache directory (install/start/stop/deploy)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    with open(paths.lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
