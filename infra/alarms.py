"""CloudWatch alarms and the launch dashboard, generated from the features' declarations.

The signals docs/launch.md's runbook names: per function, throttles and concurrency
against its reserved concurrency; the account's concurrency; the API's 5xx rate, p99
latency and request rate against the account throttle; per table, throttled reads and
writes; the board aggregator's dead-letter queue and stream lag.

Where alarms go: a topic created by the stack (``AlarmTopic``, its ARN an output), not a
parameter. A parameter would make every deploy name an existing topic, and a mistyped
ARN leaves the alarms firing into nothing without an error; a created topic always
exists, and the people, pagers or a central operations topic subscribe to it outside
the template (subscriptions differ per stage and change with the on-call rota).
"""
from __future__ import annotations

import json

from infra import APP_NAME, tables
from infra import functions as fn

TOPIC = "AlarmTopic"
DASHBOARD = "LaunchDashboard"
API_NAME = APP_NAME  # the REST API's name: the swagger title Chalice writes
API_STAGE = "api"
# Thresholds the runbook acts on (docs/launch.md).
CONCURRENCY_WARN = 0.8  # of a function's reserved concurrency
API_5XX_PERCENT = 1.0
API_P99_MS = 1000
ITERATOR_AGE_MS = 60_000  # the aggregator drops records older than 300 s

PARAMETERS = {
    "AccountConcurrencyThreshold": {
        "Type": "Number", "Default": 800, "MinValue": 1,
        "Description": "Alarm when the account's Lambda concurrency reaches this (80 % of the "
                       "account limit: 1,000 by default; raise with the limit)."},
    "ApiRequestsPerMinuteThreshold": {
        "Type": "Number", "Default": 480000, "MinValue": 1,
        "Description": "Alarm when the API's requests per minute reach this (80 % of the "
                       "account throttle: 10,000 rps by default; raise with the quota)."},
}


def _alarm(description: str, namespace: str, metric: str, dimensions: dict, statistic: str,
           threshold, *, period: int = 60, evaluations: int = 3, datapoints: int = 2,
           comparison: str = "GreaterThanOrEqualToThreshold") -> dict:
    properties = {
        "AlarmDescription": {"Fn::Sub": f"geocritters ${{Stage}}: {description}"},
        "Namespace": namespace, "MetricName": metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Period": period, "EvaluationPeriods": evaluations, "DatapointsToAlarm": datapoints,
        "Threshold": threshold, "ComparisonOperator": comparison,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": TOPIC}], "OKActions": [{"Ref": TOPIC}],
    }
    if statistic.startswith("p"):
        properties["ExtendedStatistic"] = statistic
    else:
        properties["Statistic"] = statistic
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def _math_alarm(description: str, expression: str, metrics: dict, threshold: float,
                evaluations: int = 3, datapoints: int = 2) -> dict:
    queries = [{"Id": "result", "Expression": expression, "ReturnData": True}]
    for query_id, (namespace, metric, dimensions, stat) in metrics.items():
        queries.append({"Id": query_id, "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric,
                       "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
            "Period": 60, "Stat": stat}})
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmDescription": {"Fn::Sub": f"geocritters ${{Stage}}: {description}"},
        "Metrics": queries, "EvaluationPeriods": evaluations, "DatapointsToAlarm": datapoints,
        "Threshold": threshold, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": TOPIC}], "OKActions": [{"Ref": TOPIC}]}}


def throttles_alarm_id(spec: fn.FunctionSpec) -> str:
    return f"{spec.logical_id}ThrottlesAlarm"


def alarm_resources(specs=None) -> dict:
    specs = fn.FUNCTIONS if specs is None else specs
    resources: dict = {TOPIC: {"Type": "AWS::SNS::Topic", "Properties": {
        "DisplayName": {"Fn::Sub": "geocritters ${Stage} alarms"},
        "KmsMasterKeyId": "alias/aws/sns"}}}
    for spec in specs.values():
        name = {"Fn::Sub": spec.function_name_sub()}
        resources[throttles_alarm_id(spec)] = _alarm(
            f"{spec.name} throttled (reserved concurrency {spec.reserved_concurrency} or the "
            "scaling rate): docs/launch.md 'Lambda throttles'",
            "AWS/Lambda", "Throttles", {"FunctionName": name}, "Sum", 1)
        resources[f"{spec.logical_id}ConcurrencyAlarm"] = _alarm(
            f"{spec.name} above {CONCURRENCY_WARN:.0%} of its reserved concurrency "
            f"({spec.reserved_concurrency}): docs/launch.md 'Concurrency near a limit'",
            "AWS/Lambda", "ConcurrentExecutions", {"FunctionName": name}, "Maximum",
            max(1, int(spec.reserved_concurrency * CONCURRENCY_WARN)))
    resources["AccountConcurrencyAlarm"] = _alarm(
        "account Lambda concurrency near the account limit: docs/launch.md 'Concurrency near a limit'",
        "AWS/Lambda", "ConcurrentExecutions", {}, "Maximum", {"Ref": "AccountConcurrencyThreshold"})
    api = {"ApiName": API_NAME, "Stage": API_STAGE}
    resources["Api5xxAlarm"] = _math_alarm(
        f"API 5xx above {API_5XX_PERCENT} % of requests: docs/launch.md 'API 5xx'",
        "100 * errors / MAX([requests, 1])",
        {"errors": ("AWS/ApiGateway", "5XXError", api, "Sum"),
         "requests": ("AWS/ApiGateway", "Count", api, "Sum")}, API_5XX_PERCENT)
    resources["ApiLatencyP99Alarm"] = _alarm(
        f"API p99 latency above {API_P99_MS} ms: docs/launch.md 'p99 latency'",
        "AWS/ApiGateway", "Latency", api, "p99", API_P99_MS, evaluations=5, datapoints=3)
    resources["ApiRequestRateAlarm"] = _alarm(
        "API requests near the account throttle: docs/launch.md 'API near the account throttle'",
        "AWS/ApiGateway", "Count", api, "Sum", {"Ref": "ApiRequestsPerMinuteThreshold"},
        evaluations=2, datapoints=2)
    for short, info in tables().items():
        table = {"TableName": {"Fn::Sub": f"{APP_NAME}-${{Stage}}-{short}"}}
        resources[f"{info.logical_id}ThrottleAlarm"] = _math_alarm(
            f"{short} table throttled reads or writes: docs/launch.md 'DynamoDB throttled'",
            "reads + writes",
            {"reads": ("AWS/DynamoDB", "ReadThrottleEvents", table, "Sum"),
             "writes": ("AWS/DynamoDB", "WriteThrottleEvents", table, "Sum")}, 1)
    for spec in specs.values():
        if spec.stream is None:
            continue
        queue = fn.dead_letter_queue_id(spec)
        resources[f"{spec.logical_id}DeadLetterAlarm"] = _alarm(
            f"{spec.name} gave up on stream records (dead-letter queue not empty): "
            "docs/launch.md 'Board aggregator DLQ'",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}, "Maximum", 1,
            period=300, evaluations=1, datapoints=1)
        resources[f"{spec.logical_id}IteratorAgeAlarm"] = _alarm(
            f"{spec.name} more than {ITERATOR_AGE_MS // 1000} s behind its stream: "
            "docs/launch.md 'Board aggregator DLQ'",
            "AWS/Lambda", "IteratorAge", {"FunctionName": {"Fn::Sub": spec.function_name_sub()}},
            "Maximum", ITERATOR_AGE_MS)
    return resources


def _widget(title: str, metrics: list, x: int, y: int, stat: str = "Sum", width: int = 12,
            annotations: list | None = None) -> dict:
    properties = {"title": title, "metrics": metrics, "region": "${AWS::Region}", "stat": stat,
                  "period": 60, "view": "timeSeries"}
    if annotations:
        properties["annotations"] = {"horizontal": annotations}
    return {"type": "metric", "x": x, "y": y, "width": width, "height": 6, "properties": properties}


def dashboard_body(specs=None) -> str:
    """The dashboard's JSON, with ${Stage}, ${AWS::Region} and the queue's name left for
    Fn::Sub."""
    specs = fn.FUNCTIONS if specs is None else specs
    names = [spec.function_name_sub() for spec in specs.values()]
    concurrency = [["AWS/Lambda", "ConcurrentExecutions", "FunctionName", n] for n in names]
    concurrency.append(["AWS/Lambda", "ConcurrentExecutions", {"label": "account"}])
    throttles = [["AWS/Lambda", "Throttles", "FunctionName", n] for n in names]
    duration = [["AWS/Lambda", "Duration", "FunctionName", n] for n in names]
    api = ["ApiName", API_NAME, "Stage", API_STAGE]
    table_names = [f"{APP_NAME}-${{Stage}}-{short}" for short in tables()]
    throttled = [m for t in table_names for m in (
        ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", t],
        ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", t])]
    consumed = [m for t in table_names for m in (
        ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", t],
        ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", t])]
    stream_specs = [spec for spec in specs.values() if spec.stream is not None]
    queues = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
               f"${{{fn.dead_letter_queue_id(spec)}.QueueName}}"] for spec in stream_specs]
    lag = [["AWS/Lambda", "IteratorAge", "FunctionName", spec.function_name_sub()] for spec in stream_specs]
    widgets = [
        _widget("Lambda concurrency per function vs the account", concurrency, 0, 0, "Maximum",
                annotations=[{"label": "account limit (default)", "value": 1000}]),
        _widget("Lambda throttles per function", throttles, 12, 0),
        _widget("API requests/min vs the account throttle (x60)", [["AWS/ApiGateway", "Count", *api]],
                0, 6, annotations=[{"label": "10,000 rps", "value": 600000}]),
        _widget("API 4xx / 5xx", [["AWS/ApiGateway", "4XXError", *api], ["AWS/ApiGateway", "5XXError", *api]],
                12, 6),
        _widget("API latency p99 (ms)", [["AWS/ApiGateway", "Latency", *api],
                                         ["AWS/ApiGateway", "IntegrationLatency", *api]], 0, 12, "p99"),
        _widget("Lambda duration p99 per function (ms)", duration, 12, 12, "p99"),
        _widget("DynamoDB throttle events per table", throttled, 0, 18),
        _widget("DynamoDB consumed units per table (per minute)", consumed, 12, 18),
        _widget("Board aggregator: dead-letter queue depth and stream lag (ms)", queues + lag, 0, 24,
                "Maximum", width=24),
    ]
    return json.dumps({"widgets": widgets}, separators=(",", ":"))


def dashboard_resource(specs=None) -> dict:
    return {DASHBOARD: {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": {"Fn::Sub": f"{APP_NAME}-${{Stage}}-launch"},
        "DashboardBody": {"Fn::Sub": dashboard_body(specs)}}}}


def resources(specs=None) -> dict:
    return {**alarm_resources(specs), **dashboard_resource(specs)}


OUTPUTS = {"AlarmTopicArn": {"Value": {"Ref": TOPIC}}}
