"""Shared test setup: fake AWS credentials so nothing can reach a real account."""
import os

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
})
for _name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "GEOCRITTERS_FEATURE"):
    os.environ.pop(_name, None)

# The api client and its fixtures (clock, aws, api, game, ...), and the app packaged once
# per session (packaged, template, packaged_template), for every tier; the races' rule
# (real_database_only).
pytest_plugins = ("tests.support.game_api", "tests.support.packaged", "tests.support.races")


def pytest_addoption(parser):
    parser.addoption("--backend", choices=("moto", "localstack", "deployed"), default="moto",
                     help="API tier backend: moto in-process (default), chalice local over "
                          "HTTP on LocalStack, or the deployed form: LocalStack's API Gateway "
                          "and the packaged template's functions (make test-deployed)")
