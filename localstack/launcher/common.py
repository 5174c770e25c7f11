"""What every part of the launcher uses: the user-facing error, progress messages, commands, files."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path


class LauncherError(Exception):
    """A failure with a message meant for the user (no traceback)."""


def info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_command(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, check=True, **kwargs)
    except FileNotFoundError as exc:
        raise LauncherError(f"{cmd[0]}: not found on PATH") from exc
    except subprocess.CalledProcessError as exc:
        detail = ""
        if exc.stderr:
            detail = "\n" + (exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes)
                             else exc.stderr)[-3000:]
        raise LauncherError(f"command failed ({exc.returncode}): {shlex.join(cmd)}{detail}") from exc


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            data = handle.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def clean_python_env() -> dict:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV",
                 "PYTHONNOUSERSITE", "PYTHONUSERBASE"):
        env.pop(name, None)
    return env
