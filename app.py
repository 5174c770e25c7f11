"""The one Chalice app. Locally it serves every feature; deployed, each gameplay
action is its own Lambda function that registers only its own feature.

Nothing here does I/O: Chalice imports this module when packaging.
"""
import os

from chalice import Chalice

from functions import FEATURES, load_feature
from geocritters.edge.auth import authorizer_blueprint
from geocritters.observability import configure_logging

app = Chalice(app_name="geocritters")
# Stack traces in responses would leak internals; no stage ever turns this on.
app.debug = False
configure_logging()

# Which features this process serves. Unset (chalice local, tests, packaging): all of
# them. A deployed function names exactly one; the authorizer function names none.
_selected = os.environ.get("GEOCRITTERS_FEATURE", "")
app.register_blueprint(authorizer_blueprint)
for _feature in FEATURES if not _selected else [f for f in _selected.split(",") if f != "none"]:
    app.register_blueprint(load_feature(_feature).blueprint)
