"""Tests of localstack/host_lambda/ (LocalStack running Lambda functions as host processes)."""
