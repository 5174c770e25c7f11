"""Tests of localstack/ (the LocalStack launcher and the docker-compose path)."""
