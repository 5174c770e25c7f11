"""The gameplay features. Each module is one feature = one deployed Lambda function,
declared once in the module: ``feature = Feature("<name>", Deployment(...))`` plus its
``@feature.route`` views (see ``geocritters/edge/feature.py``).

The name is the same everywhere: module, declaration, deployed function, IAM policy,
log group and benchmark row. A new module here is a new feature: nothing lists them.
``app.py`` registers all of them for ``chalice local`` and tests; a deployed function
sets ``GEOCRITTERS_FEATURE`` so it imports and registers only its own feature.
"""
import importlib
import pkgutil


def _discover() -> tuple[str, ...]:
    """Every public module of this package, by name (a directory listing: no import)."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                        if not m.name.startswith("_") and not m.ispkg))


FEATURES = _discover()


def load_feature(name: str):
    """Import one feature module and return its declaration (``edge.feature.Feature``)."""
    if name not in FEATURES:
        raise ValueError(f"unknown feature {name!r}; known: {', '.join(FEATURES)}")
    declared = importlib.import_module(f"functions.{name}").feature
    if declared.name != name:
        raise ValueError(f"functions/{name}.py declares feature {declared.name!r}: "
                         "the module and the feature must have the same name")
    return declared


def load_features() -> list:
    return [load_feature(name) for name in FEATURES]
