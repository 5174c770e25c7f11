"""Adapters: DynamoDB (PynamoDB), Secrets Manager, tokens, clock."""
