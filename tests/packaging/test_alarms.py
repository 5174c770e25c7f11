"""The packaged template's alarms and launch dashboard (infra/alarms.py): every function
has a throttles alarm and is on the dashboard, every alarm notifies the stack's topic."""
import json

import pytest

from infra import functions as fn
from infra import tables
from infra.alarms import DASHBOARD, TOPIC

pytestmark = pytest.mark.slow

SPECS = list(fn.FUNCTIONS.values())


def _alarms(template):
    return {k: r["Properties"] for k, r in template["Resources"].items()
            if r["Type"] == "AWS::CloudWatch::Alarm"}


def _dimension(properties, name):
    for dimension in properties.get("Dimensions", []):
        if dimension["Name"] == name:
            return dimension["Value"]
    return None


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_function_has_a_throttles_alarm(template, spec):
    throttles = [p for p in _alarms(template).values()
                 if p.get("MetricName") == "Throttles"
                 and _dimension(p, "FunctionName") == {"Fn::Sub": spec.function_name_sub()}]
    assert len(throttles) == 1, spec.name
    [alarm] = throttles
    assert alarm["Namespace"] == "AWS/Lambda" and alarm["Threshold"] == 1
    assert alarm["AlarmActions"] == [{"Ref": TOPIC}]


def test_the_dashboard_names_every_function_and_table(template):
    body = template["Resources"][DASHBOARD]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    named = {m[3] for w in widgets for m in w["properties"]["metrics"]
             if len(m) > 3 and m[2] == "FunctionName"}
    assert named >= {spec.function_name_sub() for spec in SPECS}
    tables_named = {m[3] for w in widgets for m in w["properties"]["metrics"]
                    if len(m) > 3 and m[2] == "TableName"}
    assert tables_named == {f"geocritters-${{Stage}}-{short}" for short in tables()}


def test_every_table_and_the_dead_letter_queue_have_alarms(template):
    alarms = _alarms(template)
    for info in tables().values():
        assert f"{info.logical_id}ThrottleAlarm" in alarms
    queue = fn.dead_letter_queue_id(fn.FUNCTIONS["board_aggregator"])
    dead = [p for p in alarms.values() if p.get("Namespace") == "AWS/SQS"]
    assert [_dimension(p, "QueueName") for p in dead] == [{"Fn::GetAtt": [queue, "QueueName"]}]
    assert all(p["AlarmActions"] == [{"Ref": TOPIC}] for p in alarms.values())
    assert template["Resources"][TOPIC]["Type"] == "AWS::SNS::Topic"
