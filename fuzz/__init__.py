"""`make fuzz`: schemathesis against the app, generated from docs/openapi.json."""
