"""A bot swarm on Locust (`make swarm`): locustfile.py (the players), metering.py (every
HTTP request of the SDK reported to Locust, keys and actions recorded), report.py (plots,
the observed action mix, the hot-key estimate)."""
