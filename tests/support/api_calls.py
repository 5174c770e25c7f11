"""API calls many tests start with: open an encounter, throw a ball."""
from tests.support.nearby import a_spawn


def start_encounter(api, token, spawn=None):
    spawn = spawn or a_spawn()
    status, body, _ = api.call("POST", "/v1/encounters",
                               {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}, token=token)
    assert status == 201, body
    return body


def throw(api, token, encounter_id, key, body=None):
    return api.call("POST", f"/v1/encounters/{encounter_id}/throws", body or {"ball": "ball"},
                    token=token, headers={"Idempotency-Key": key})
