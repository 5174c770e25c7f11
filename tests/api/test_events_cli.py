"""``python -m infra.events`` against the test gateway: its requests, signed from the
standard AWS credential chain (the tests' environment), pass the local gateway's SigV4
check; create, list and cancel print the API's JSON; a refusal prints the API's error
code and exits 1; bad arguments exit 2 and send nothing; other credentials are refused."""
import io
import json
from urllib.parse import urlsplit

from botocore.credentials import Credentials

from geocritters.game.config import DAY_MS, MINUTE_MS
from infra import events as cli
from tests.support.deployed import OPERATOR_ROUTES, skip_when_deployed

URL = "http://127.0.0.1:8000"


def run(api, clock, *argv, credentials=None):
    """(exit code, stdout, stderr, requests sent) of one CLI run through ``api``'s transport."""
    skip_when_deployed(api, OPERATOR_ROUTES)
    sent = []

    def send(method, url, headers, body):
        sent.append((method, url))
        status, answer, _ = api.transport.send(method, urlsplit(url).path, headers, body)
        return status, answer

    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), send=send, credentials=credentials, now_ms=clock.now_ms(),
                    out=out, err=err)
    return code, out.getvalue(), err.getvalue(), sent


def test_the_cli_creates_lists_and_cancels_an_event(api, clock):
    code, out, err, _ = run(api, clock, "create", "--url", URL, "--name", "CLI event",
                            "--start", "+10m", "--end", "+2d", "--prefix", "u09", "--prefix", "dr5r",
                            "--xp", "2", "--species", "1", "--species", "4", "--spawn-share", "0.2",
                            "--key", "cli-create-0001")
    assert code == 0, err
    created = json.loads(out)
    assert created["start_ms"] == clock.now_ms() + 10 * MINUTE_MS
    assert created["end_ms"] == clock.now_ms() + 2 * DAY_MS
    assert created["prefixes"] == ["dr5r", "u09"] and created["effects"]["spawn_species"] == [1, 4]
    assert created["effects"]["xp_multiplier"] == 2.0 and "cli-create-0001" in err

    again = run(api, clock, "create", "--url", URL, "--name", "CLI event", "--start", "+10m",
                "--end", "+2d", "--prefix", "u09", "--prefix", "dr5r", "--xp", "2", "--species", "1",
                "--species", "4", "--spawn-share", "0.2", "--key", "cli-create-0001")
    assert again[0] == 0 and json.loads(again[1]) == created  # a retry: the same event

    code, out, _, _ = run(api, clock, "list", "--url", URL)
    assert code == 0 and [e["id"] for e in json.loads(out)["events"]] == [created["id"]]
    code, out, _, _ = run(api, clock, "cancel", "--url", URL, created["id"])
    assert code == 0 and json.loads(out)["cancelled_ms"] == clock.now_ms()
    code, _, err, _ = run(api, clock, "cancel", "--url", URL, created["id"])
    assert code == 1 and "409: event_ended" in err


def test_refusals_print_the_apis_code_and_bad_arguments_send_nothing(api, clock):
    code, _, err, _ = run(api, clock, "create", "--url", URL, "--name", "Soon", "--start", "+30s",
                          "--end", "+1h", "--xp", "2")
    assert code == 1 and "422: event_starts_too_soon" in err
    code, _, err, sent = run(api, clock, "create", "--url", URL, "--name", "Bad", "--start", "tomorrow",
                             "--end", "+1h", "--xp", "2")
    assert code == 2 and sent == [] and "ISO-8601" in err
    code, _, err, sent = run(api, clock, "create", "--url", URL, "--name", "Local", "--start",
                             "2027-01-20T10:00:00+02:00", "--end", "+9d", "--xp", "2")
    assert code == 2 and sent == [] and "UTC" in err
    code, _, err, _ = run(api, clock, "list", "--url", URL,
                          credentials=Credentials("AKIDSTRANGER", "not-the-secret"))
    assert code == 1 and "403: invalid_signature" in err


def test_the_region_comes_from_an_execute_api_url():
    assert cli.region_of("https://abc123.execute-api.eu-west-1.amazonaws.com/api") == "eu-west-1"
