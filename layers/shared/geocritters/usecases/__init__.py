"""Use cases: one module per gameplay action. They apply the pure game rules to state
loaded through the store, and hand the store a list of changes to commit atomically."""
