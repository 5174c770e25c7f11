"""The HTTP edge: request parsing, the authorizer, and the one error table."""
