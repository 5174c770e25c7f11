"""The pure game core: rules over plain data. No I/O, no clock, no global randomness.

Time and randomness are always passed in, so every rule is reproducible in tests.
"""
