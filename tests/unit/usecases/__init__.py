"""Use cases on the in-memory store."""
