"""Test support shared by the tiers (api, security, reliability, e2e, packaging) and by fuzz/ and bench/.

- ``game_api``: the ``api`` client and its fixtures (a pytest plugin, see tests/conftest.py)
- ``transports``: where the client's requests go: in-process test client or HTTP
- ``chalice_local``: ``chalice local`` in a thread, free ports, waiting for a server
- ``ddb_calls``: the DynamoDB calls a block of code makes
- ``nearby``: finding spawns and stops near a position
- ``game_state``: reading and editing a player's stored state directly
- ``api_calls``: the API calls many tests start with (an encounter, a throw)
- ``packaged``: the app packaged once per session (a pytest plugin)
"""
