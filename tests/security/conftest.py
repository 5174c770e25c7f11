"""The security tier uses the API client's fixtures (tests/support/game_api.py: the ``api``
client on moto or LocalStack, the fake clock, the wired game) and the packaged template
(tests/support/packaged.py: built once per session, shared with the packaging tier).

It adds ``db_snapshot()``: every item of every game table, so a test can prove a refused
request changed NOTHING stored — not just the fields the domain model exposes.
"""
import json
import os

import boto3

# Tables whose items belong to one player (hash key player_id).
PLAYER_TABLES = ("players", "creatures", "encounters", "actions", "visits")


def _table_names() -> dict[str, str]:
    from infra import tables

    return {short: os.environ[info.env_var] for short, info in tables().items()}


def db_snapshot() -> dict[str, dict[str, dict]]:
    """{table short name: {item key: item}} for every game table, read consistently.

    From wherever the app's tables are: moto in-process, or (``--backend=localstack``)
    the LocalStack endpoint the ``aws`` fixture exported."""
    client = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    snapshot = {}
    for short, name in _table_names().items():
        items, start = [], None
        while True:
            page = client.scan(TableName=name, ConsistentRead=True,
                               **({"ExclusiveStartKey": start} if start else {}))
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        key_names = [k["AttributeName"] for k in client.describe_table(TableName=name)["Table"]["KeySchema"]]
        snapshot[short] = {json.dumps([item[k] for k in key_names], sort_keys=True): item for item in items}
    return snapshot


def changed_items(before: dict, after: dict) -> list[tuple[str, str, dict | None, dict | None]]:
    """(table, key, before, after) for every item added, removed or modified."""
    out = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                out.append((table, key, old.get(key), new.get(key)))
    return out


def owner_of(item: dict | None) -> str | None:
    return (item or {}).get("player_id", {}).get("S")


def pytest_terminal_summary(terminalreporter):
    """One line with the cross-player matrix's coverage of the route table."""
    import sys

    matrix = sys.modules.get("tests.security.test_authorization_matrix")
    if matrix is not None:
        covered, total = matrix.matrix_coverage()
        terminalreporter.write_line(
            f"security: cross-player matrix covers {covered}/{total} routes "
            f"({100 * covered / total:.0f} %)")
