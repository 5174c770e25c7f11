"""Every AWS quota and price the launch-surge model uses, in ONE place, each with its source.

Region us-east-1 (N. Virginia), default quotas of a new account, as of 2026-12-02.
``confirmed``: the figure was read on the named page (or its mirror) that day;
``False``: "as published by AWS on <page>", not re-read here: check it before quoting.
The per-request prices the bench already uses (Lambda x86, API Gateway REST, DynamoDB
on-demand, X-Ray, CloudWatch Logs) are taken from ``bench.prices`` so the two models can't
disagree; they are listed here with their sources too.
"""
from __future__ import annotations

from dataclasses import dataclass

from bench import prices

REGION = "us-east-1"
AS_OF = "2026-12-02"


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    page: str  # the AWS page's title
    url: str
    confirmed: bool
    note: str = ""


_LAMBDA_SCALING = ("Lambda scaling behavior - AWS Lambda",
                   "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html")
_LAMBDA_QUOTAS = ("Lambda quotas - AWS Lambda",
                  "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html")
_LAMBDA_PRICING = ("AWS Lambda Pricing", "https://aws.amazon.com/lambda/pricing/")
_APIGW_QUOTAS = ("Amazon API Gateway quotas",
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html")
_APIGW_PRICING = ("Amazon API Gateway Pricing", "https://aws.amazon.com/api-gateway/pricing/")
_DDB_ON_DEMAND = ("DynamoDB on-demand capacity mode - Amazon DynamoDB",
                  "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                  "on-demand-capacity-mode.html")
_DDB_PREWARM = ("Pre-warming a table for on-demand capacity mode / Understanding DynamoDB warm "
                "throughput", "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                "warm-throughput.html")
_DDB_QUOTAS = ("Quotas in Amazon DynamoDB",
               "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html")
_DDB_PRICING = ("Amazon DynamoDB pricing (on-demand)", "https://aws.amazon.com/dynamodb/pricing/on-demand/")
_SM_QUOTAS = ("AWS Secrets Manager quotas; What's New 2025-03-04 'AWS Secrets Manager increases "
              "API requests per second'",
              "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html")
_SM_PRICING = ("AWS Secrets Manager pricing", "https://aws.amazon.com/secrets-manager/pricing/")
_CW_PRICING = ("Amazon CloudWatch pricing", "https://aws.amazon.com/cloudwatch/pricing/")
_XRAY_PRICING = ("AWS X-Ray pricing", "https://aws.amazon.com/xray/pricing/")

FIGURES: dict[str, Figure] = {
    # --- Lambda ------------------------------------------------------------------------
    "lambda_scaling_per_10s": Figure(
        1000, "new execution environments per function per 10 s", *_LAMBDA_SCALING, True,
        "per function, refilled continuously; unused rate does not accumulate; not adjustable"),
    "lambda_account_concurrency": Figure(
        1000, "concurrent executions per account per Region", *_LAMBDA_QUOTAS, True,
        "adjustable (Service Quotas: Lambda 'Concurrent executions', L-B99A9384)"),
    "lambda_unreserved_minimum": Figure(
        100, "concurrency AWS keeps unreserved", *_LAMBDA_QUOTAS, False,
        "so at most limit - 100 can be reserved (infra.functions MAX_TOTAL_RESERVED_CONCURRENCY)"),
    "lambda_per_million_requests": Figure(
        prices.LAMBDA_PER_MILLION_REQUESTS, "USD per million requests", *_LAMBDA_PRICING, True),
    "lambda_x86_per_gb_second": Figure(
        prices.LAMBDA_PER_GB_SECOND, "USD per GB-s (x86_64, first 6 B GB-s a month)",
        *_LAMBDA_PRICING, True),
    "lambda_arm_per_gb_second": Figure(
        0.0000133334, "USD per GB-s (arm64, first 7.5 B GB-s a month)", *_LAMBDA_PRICING, True,
        "20 % under x86; same request price"),
    "lambda_provisioned_x86_per_gb_second": Figure(
        0.0000041667, "USD per GB-s of provisioned concurrency configured (x86_64)",
        *_LAMBDA_PRICING, False, "plus 0.0000097222 per GB-s of duration while it serves"),
    "lambda_init_billed": Figure(
        1, "INIT phase billed like duration (1 = yes)", *_LAMBDA_PRICING, False,
        "AWS bills the INIT phase of on-demand functions since 2025-08-01"),
    # --- API Gateway -------------------------------------------------------------------
    "apigw_account_rps": Figure(
        10000, "requests per second, all APIs of the account in the Region", *_APIGW_QUOTAS, True,
        "REST, HTTP and WebSocket APIs share it; adjustable (L-8A5B8E43)"),
    "apigw_account_burst": Figure(
        5000, "token-bucket capacity (requests)", *_APIGW_QUOTAS, True,
        "set by AWS from the rate quota; not requestable on its own"),
    "apigw_rest_per_million": Figure(
        prices.API_GATEWAY_REST_PER_MILLION, "USD per million REST API calls (first 333 M a month)",
        *_APIGW_PRICING, True),
    "apigw_http_per_million": Figure(
        1.00, "USD per million HTTP API calls (first 300 M a month, 512 KB metering)",
        *_APIGW_PRICING, True),
    # --- DynamoDB ----------------------------------------------------------------------
    "ddb_new_table_wru": Figure(
        4000, "write request units/s a new on-demand table serves at once", *_DDB_ON_DEMAND, True,
        "or 12,000 RRU, or a linear combination of both"),
    "ddb_new_table_rru": Figure(12000, "read request units/s a new on-demand table serves at once",
                                *_DDB_ON_DEMAND, True),
    "ddb_peak_multiple": Figure(
        2, "times the previous peak an on-demand table serves at once", *_DDB_PREWARM, True,
        "throttling can occur above twice the previous peak within the same 30 minutes"),
    "ddb_peak_window_minutes": Figure(30, "minutes", *_DDB_PREWARM, True),
    "ddb_table_wru_quota": Figure(
        40000, "write request units/s per on-demand table", *_DDB_QUOTAS, True,
        "table-level throughput quota, adjustable"),
    "ddb_table_rru_quota": Figure(40000, "read request units/s per on-demand table", *_DDB_QUOTAS, True,
                                  "table-level throughput quota, adjustable"),
    "ddb_partition_wcu": Figure(1000, "write units/s per partition", *_DDB_ON_DEMAND, True),
    "ddb_partition_rcu": Figure(3000, "read units/s per partition", *_DDB_ON_DEMAND, True),
    "ddb_per_million_rru": Figure(prices.DYNAMODB_PER_MILLION_RRU, "USD per million RRU",
                                  *_DDB_PRICING, True),
    "ddb_per_million_wru": Figure(prices.DYNAMODB_PER_MILLION_WRU, "USD per million WRU",
                                  *_DDB_PRICING, True),
    # --- Secrets Manager ---------------------------------------------------------------
    "sm_get_secret_value_rps": Figure(
        10000, "GetSecretValue requests per second per Region", *_SM_QUOTAS, True,
        "raised from 5,000 on 2025-03-04"),
    "sm_per_10k_calls": Figure(0.05, "USD per 10,000 API calls", *_SM_PRICING, False),
    # --- Observability -----------------------------------------------------------------
    "logs_per_gb": Figure(prices.CLOUDWATCH_LOGS_PER_GB, "USD per GB ingested (standard)",
                          *_CW_PRICING, False),
    "xray_per_million_traces": Figure(prices.XRAY_PER_MILLION_TRACES, "USD per million traces recorded",
                                      *_XRAY_PRICING, False),
}


def value(name: str) -> float:
    return FIGURES[name].value


def as_json() -> dict:
    return {"region": REGION, "as_of": AS_OF, "figures": {
        name: {"value": f.value, "unit": f.unit, "page": f.page, "url": f.url,
               "confirmed": f.confirmed, "note": f.note} for name, f in FIGURES.items()}}
