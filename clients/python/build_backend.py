"""The SDK's PEP 517 build backend: setuptools' own, run after generating the typed
models, the endpoint functions and the error classes from the API's OpenAPI document.

Every build (wheel, editable, sdist) first writes ``src/geocritters_sdk/generated/``
(ignored by git) from the document:

- openapi-python-client (the exact version pinned in pyproject.toml's build requirements
  and in requirements-clients.txt) writes the models and one module per operation; any
  warning it prints about the document fails the build, as tests/clients does;
- ``error_codes.py``: one exception class per error code in the operations'
  ``x-error-codes`` lists, under the class of its HTTP status (geocritters_sdk/errors.py);
- ``OPENAPI_SHA256``: the digest of the document the code was generated from.

The document is ``docs/openapi.json`` of the checkout this directory is in, or the file
named by ``GEOCRITTERS_OPENAPI``. Without it the build stops with an error: an SDK whose
models are not the document's is worse than none. The one exception is a build from
this package's own sdist, which carries the code generated when the sdist was made.

    python build_backend.py        # regenerate in place (what every build does first)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from setuptools import build_meta as _setuptools

HERE = Path(__file__).resolve().parent
TARGET = HERE / "src" / "geocritters_sdk" / "generated"
STAMP = "OPENAPI_SHA256"
DOCUMENT_ENV = "GEOCRITTERS_OPENAPI"
CHECKOUT_DOCUMENT = HERE.parent.parent / "docs" / "openapi.json"
GENERATOR_CONFIG = HERE / "generator-config.yaml"


class DocumentMissing(RuntimeError):
    pass


class GenerationFailed(RuntimeError):
    pass


def document_path() -> Path:
    named = os.environ.get(DOCUMENT_ENV)
    return Path(named).resolve() if named else CHECKOUT_DOCUMENT


def _from_sdist() -> bool:
    # setuptools writes PKG-INFO at the root of an sdist; a checkout has none.
    return (HERE / "PKG-INFO").is_file() and (TARGET / STAMP).is_file()


def generate() -> Path:
    """Write ``TARGET`` from the document; returns the document used."""
    document = document_path()
    if not document.is_file():
        if _from_sdist():
            return TARGET / STAMP
        raise DocumentMissing(
            f"geocritters-sdk: the OpenAPI document is missing: {document} does not exist.\n"
            f"The SDK's models are generated from it when the package is built. Build from a "
            f"checkout of the repository (pip install ./clients/python from its root), or set "
            f"{DOCUMENT_ENV}=/path/to/openapi.json.")
    raw = document.read_bytes()
    try:
        spec = json.loads(raw)
    except ValueError as error:
        raise GenerationFailed(f"geocritters-sdk: {document} is not JSON: {error}") from error
    with tempfile.TemporaryDirectory(prefix="geocritters-sdk-") as scratch:
        out = Path(scratch) / "generated"
        done = subprocess.run(
            [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(document),
             "--output-path", str(out), "--meta", "none", "--config", str(GENERATOR_CONFIG),
             "--fail-on-warning"],
            cwd=scratch, capture_output=True, text=True, check=False)
        output = done.stdout + done.stderr
        if done.returncode != 0 or "arning" in output:
            raise GenerationFailed(
                f"geocritters-sdk: openapi-python-client failed on {document} "
                f"(exit {done.returncode}):\n{output}")
        (out / "error_codes.py").write_text(error_codes_source(spec))
        (out / STAMP).write_text(hashlib.sha256(raw).hexdigest() + "\n")
        (out / "py.typed").write_text("")
        if TARGET.exists():
            shutil.rmtree(TARGET)
        shutil.copytree(out, TARGET)
    return document


# The base class of each status's codes (geocritters_sdk/errors.py).
STATUS_CLASSES = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
    413: "PayloadTooLarge", 415: "UnsupportedMediaType", 422: "UnprocessableRequest",
    429: "TooManyRequests", 503: "ServiceUnavailable",
}


def error_codes(spec: dict) -> dict[str, dict]:
    """code -> {"statuses": {...}, "operations": {...}} over every operation's responses."""
    codes: dict[str, dict] = {}
    shared = spec.get("components", {}).get("responses", {})
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = shared[response["$ref"].rsplit("/", 1)[-1]]
                for code in response.get("x-error-codes", []):
                    entry = codes.setdefault(code, {"statuses": set(), "operations": set()})
                    entry["statuses"].add(int(status))
                    entry["operations"].add(operation.get("operationId", "?"))
    return codes


def class_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_")) + "Error"


def error_codes_source(spec: dict) -> str:
    codes = error_codes(spec)
    if not codes:
        raise GenerationFailed("geocritters-sdk: the document lists no x-error-codes")
    lines = [
        '"""One exception class per error code of the API (the operations\' `x-error-codes`),',
        "generated from docs/openapi.json by clients/python/build_backend.py. Do not edit.",
        '"""',
        "from ..errors import (",
        "    ApiError,",
        *(f"    {name}," for name in sorted(STATUS_CLASSES.values())),
        ")",
        "",
    ]
    names = {}
    for code in sorted(codes):
        statuses = sorted(codes[code]["statuses"])
        base = STATUS_CLASSES[statuses[0]] if len(statuses) == 1 and statuses[0] in STATUS_CLASSES \
            else "ApiError"
        operations = ", ".join(sorted(codes[code]["operations"]))
        name = class_name(code)
        names[code] = name
        lines += [
            "",
            f"class {name}({base}):",
            f'    """`{code}` ({", ".join(map(str, statuses))}), from: {operations}."""',
            "",
            f"    code = {code!r}",
            f"    statuses = {tuple(statuses)!r}",
            "",
        ]
    lines += ["", "# code -> class: what errors.error_for raises for an answer's `error.code`.",
              "BY_CODE: dict[str, type[ApiError]] = {"]
    lines += [f"    {code!r}: {name}," for code, name in names.items()]
    lines += ["}", "", "__all__ = [", *(f"    {name!r}," for name in names.values()), "]", ""]
    return "\n".join(lines)


# PEP 517 / 660 hooks: generate, then hand over to setuptools.

def _clean() -> None:
    # setuptools copies into build/lib and never deletes there: a module the document no
    # longer has would stay in the wheel.
    shutil.rmtree(HERE / "build", ignore_errors=True)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    generate()
    _clean()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    generate()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    generate()
    return _setuptools.build_sdist(sdist_directory, config_settings)


get_requires_for_build_wheel = _setuptools.get_requires_for_build_wheel
get_requires_for_build_sdist = _setuptools.get_requires_for_build_sdist
get_requires_for_build_editable = _setuptools.get_requires_for_build_editable
prepare_metadata_for_build_wheel = _setuptools.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = _setuptools.prepare_metadata_for_build_editable


if __name__ == "__main__":
    print(f"generated {TARGET} from {generate()}")
