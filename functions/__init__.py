"""The gameplay actions. Each module is one feature = one deployed Lambda function.

The name is the same everywhere: module, Chalice blueprint, deployed function, IAM
policy, log group and benchmark row. ``app.py`` registers all of them for
``chalice local`` and tests; a deployed function sets ``GEOCRITTERS_FEATURE`` so it
imports and registers only its own feature.
"""
import importlib

FEATURES = ("auth", "player", "map", "encounter", "catch", "spin", "items", "creatures")


def load_blueprint(name: str):
    """Import one feature module and return its Chalice blueprint."""
    if name not in FEATURES:
        raise ValueError(f"unknown feature {name!r}; known: {', '.join(FEATURES)}")
    return importlib.import_module(f"functions.{name}").blueprint
