"""Use cases: one module per gameplay action. They apply the pure game rules to state
read through the ports (usecases/ports.py) and hand the unit of work a list of changes
to commit atomically."""
