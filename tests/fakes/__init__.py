"""Hand-written fakes of the ports (tests/contract keeps them honest)."""
