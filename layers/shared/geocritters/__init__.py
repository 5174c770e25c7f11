"""Geocritters: the shared code of every function (shipped in the Lambda layer).

Layers, innermost first: ``game`` (pure rules) <- ``usecases`` (one per action)
<- ``adapters`` (DynamoDB, secrets, clock) <- ``edge`` (HTTP).
"""
