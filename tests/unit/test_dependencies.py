"""Dependencies point inward: game (pure) <- usecases <- adapters <- edge/functions.
Use cases reach the outside only through the ports the context hands them."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "shared" / "geocritters"
THIRD_PARTY_IO = {"boto3", "botocore", "pynamodb", "chalice", "jwt", "aws_xray_sdk"}


def _imports(path: Path) -> set[str]:
    """Modules a file imports, as absolute names within geocritters where relative."""
    package = ["geocritters", *path.relative_to(PACKAGE).parent.parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            found.add(".".join([*base, *(node.module or "").split(".")]).strip("."))
    return found


def _layer_imports(layer: str) -> dict[str, set[str]]:
    return {str(p.relative_to(PACKAGE)): _imports(p) for p in (PACKAGE / layer).glob("*.py")}


def _outside(imports: set[str], allowed: tuple[str, ...]) -> set[str]:
    ours = {m for m in imports if m.split(".")[0] == "geocritters"}
    io = {m for m in imports if m.split(".")[0] in THIRD_PARTY_IO}
    return {m for m in ours if not m.startswith(allowed)} | io


def test_the_game_core_imports_only_itself():
    for module, imports in _layer_imports("game").items():
        assert not _outside(imports, ("geocritters.game",)), module


def test_use_cases_import_only_the_game_and_each_other():
    for module, imports in _layer_imports("usecases").items():
        assert not _outside(imports, ("geocritters.game", "geocritters.usecases")), module


def test_use_cases_use_the_ports_not_the_whole_store():
    for path in (PACKAGE / "usecases").glob("*.py"):
        assert "ctx.store" not in path.read_text(), path.name


def test_the_checks_see_a_forbidden_import():
    """The walker resolves relative imports: a use case importing an adapter is caught."""
    sample = PACKAGE / "usecases" / "auth.py"
    assert "geocritters.game.player" in _imports(sample)
    assert _outside({"geocritters.adapters.tokens"}, ("geocritters.game", "geocritters.usecases"))
