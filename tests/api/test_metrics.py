"""Business metrics of real requests: one CloudWatch EMF document on stdout per counted
request (printed here as inside Lambda), none for the rest."""
import json

import pytest

from tests.support.api_calls import start_encounter, throw
from tests.support.deployed import IN_PROCESS_ONLY, skip_when_deployed
from tests.support.nearby import a_stop


@pytest.fixture
def emf(api, monkeypatch, capsys):
    """The EMF documents printed since the last call; every stdout line must be JSON."""
    skip_when_deployed(api, IN_PROCESS_ONLY)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()

    def documents() -> list[dict]:
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
        return [line for line in lines if "_aws" in line]

    return documents


def _spin(api, token, stop, key, lat=None):
    body = {"lat": stop.lat if lat is None else lat, "lng": stop.lng}
    return api.call("POST", f"/v1/stops/{stop.id}/spin", body, token=token,
                    headers={"Idempotency-Key": key})


def test_a_throw_counts_its_outcome(api, emf):
    _, token = api.login()
    encounter = start_encounter(api, token)
    assert emf() == []  # logging in and starting an encounter count nothing

    status, result, _ = throw(api, token, encounter["encounter_id"], "metrics-throw-0001")

    assert status == 200, result
    [document] = emf()
    assert document["_aws"]["CloudWatchMetrics"] == [{
        "Namespace": "Geocritters",
        "Dimensions": [["service", "outcome"]],
        "Metrics": [{"Name": "Throws", "Unit": "Count"}],
    }]
    assert document["service"] == "throw" and document["outcome"] == result["outcome"]
    assert document["Throws"] == [1.0]


def test_a_spin_counts_once_and_a_refusal_counts_its_code(api, emf):
    _, token = api.login()
    stop = a_stop()

    status, body, _ = _spin(api, token, stop, "metrics-spin-0001")
    assert status == 200, body
    [spun] = emf()
    assert spun["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "Spins", "Unit": "Count"}]
    assert spun["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert spun["service"] == "spin" and spun["Spins"] == [1.0]

    status, body, _ = _spin(api, token, stop, "metrics-spin-0002", lat=stop.lat + 0.001)  # ~111 m
    assert status == 403 and body["error"]["code"] == "out_of_range"
    [refused] = emf()
    assert refused["_aws"]["CloudWatchMetrics"] == [{
        "Namespace": "Geocritters",
        "Dimensions": [["service", "code"]],
        "Metrics": [{"Name": "Refusals", "Unit": "Count"}],
    }]
    assert refused["service"] == "spin" and refused["code"] == "out_of_range"
    assert refused["Refusals"] == [1.0]


def test_a_refused_map_read_counts_its_code(api, emf):
    _, token = api.login()
    status, body, _ = api.call("GET", "/v1/map?lat=91&lng=0", token=token)
    assert status == 400, body
    [refused] = emf()
    assert (refused["service"], refused["code"]) == ("map", body["error"]["code"])
    assert refused["Refusals"] == [1.0]


def test_nothing_is_printed_outside_lambda_unless_asked(api, monkeypatch, capsys):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    _, token = api.login()
    stop = a_stop()
    capsys.readouterr()
    status, _, _ = _spin(api, token, stop, "metrics-spin-0003")
    assert status == 200
    assert "_aws" not in capsys.readouterr().out
