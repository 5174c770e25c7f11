"""Every price and pricing assumption of the cost model, in ONE place.

Published on-demand prices, us-east-1, as of 2026-11 (check the AWS pricing pages
before quoting them: https://aws.amazon.com/lambda/pricing/, /api-gateway/pricing/,
/dynamodb/pricing/on-demand/, /xray/pricing/, /cloudwatch/pricing/). Free tiers are
ignored: they don't scale.
"""
REGION = "us-east-1"

# AWS Lambda (x86_64): per request, and per GB-second of duration (billed per 1 ms).
LAMBDA_PER_MILLION_REQUESTS = 0.20
LAMBDA_PER_GB_SECOND = 0.0000166667
LAMBDA_BILLING_GRANULARITY_MS = 1
# Lambda allocates CPU in proportion to memory: 1,769 MB = one full vCPU.
LAMBDA_MB_PER_VCPU = 1769

# API Gateway REST API, first 333 M requests a month.
API_GATEWAY_REST_PER_MILLION = 3.50

# DynamoDB on-demand.
DYNAMODB_PER_MILLION_RRU = 0.125
DYNAMODB_PER_MILLION_WRU = 0.625

# AWS X-Ray: traces recorded.
XRAY_PER_MILLION_TRACES = 5.00
# The sampling rate the cost model assumes (the X-Ray default rule is 1 request/s
# reservoir + 5 % of the rest; at scale that is ~5 %).
XRAY_SAMPLING_RATE = 0.05

# CloudWatch Logs ingestion (standard class), per GB.
CLOUDWATCH_LOGS_PER_GB = 0.50
# What Lambda itself logs per invocation (START, END, REPORT lines), bytes, approximate.
LAMBDA_PLATFORM_LOG_BYTES = 260
