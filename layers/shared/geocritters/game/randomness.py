"""Keyed, reproducible randomness for server-decided outcomes.

An outcome's random stream is derived from a server secret and the request that causes
it (encounter id, throw index, ...). A retried request therefore replays the very same
stream and cannot re-roll, and a client without the secret cannot predict it.
"""
import hashlib
import hmac
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_PART_SEPARATOR = "|"
# Separates the counter from the parts, so ("a1",) #0 and ("a",) #10 never collide.
_COUNTER_SEPARATOR = "#"
_FLOAT_BITS = 53  # a double's mantissa: every float in [0, 1) on a 2**-53 grid is reachable


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A sub-key is HMAC-SHA256(secret, purpose), so each purpose gets an independent key."""
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("secret must be non-empty bytes")
    return hmac.new(secret, purpose.encode("utf-8"), hashlib.sha256).digest()


def _encode_part(part: str | int) -> str:
    # bool is an int subclass; True would silently become "True" and hide a caller bug.
    if isinstance(part, bool) or not isinstance(part, (str, int)):
        raise TypeError(f"stream parts must be str or int, got {type(part).__name__}")
    text = str(part)
    if _PART_SEPARATOR in text or _COUNTER_SEPARATOR in text:
        # Otherwise ("a|b",) and ("a", "b") would share one stream.
        raise ValueError(f"stream part {text!r} must not contain '|' or '#'")
    return text


class OutcomeRng:
    """A deterministic stream of floats in [0, 1): HMAC-SHA256(key, parts + counter)."""

    def __init__(self, key: bytes, *parts: str | int):
        if not isinstance(key, bytes) or not key:
            raise ValueError("key must be non-empty bytes")
        self._key = key
        self._prefix = _PART_SEPARATOR.join(_encode_part(p) for p in parts) + _COUNTER_SEPARATOR
        self._counter = 0

    def random(self) -> float:
        """Next float in [0, 1); the n-th call depends only on key, parts and n."""
        message = f"{self._prefix}{self._counter}".encode()
        self._counter += 1
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return (int.from_bytes(digest[:8], "big") >> (64 - _FLOAT_BITS)) / (1 << _FLOAT_BITS)

    def randint(self, lo: int, hi: int) -> int:
        """A uniform integer in [lo, hi], both ends included."""
        if lo > hi:
            raise ValueError(f"empty range [{lo}, {hi}]")
        span = hi - lo + 1
        # For the small spans a game uses the bias of scaling a 53-bit float is < 2**-40.
        return lo + min(int(self.random() * span), span - 1)

    def choice_weighted(self, items: Sequence[T], weights: Sequence[float]) -> T:
        """Pick one item with probability proportional to its weight."""
        if len(items) != len(weights):
            raise ValueError("items and weights differ in length")
        if any(w < 0 for w in weights):
            raise ValueError("weights must not be negative")
        total = sum(weights)
        if not items or total <= 0:
            raise ValueError("need at least one item with a positive weight")
        target = self.random() * total
        cumulative = 0.0
        for item, weight in zip(items, weights, strict=False):
            cumulative += weight
            if target < cumulative:
                return item
        # Rounding can leave target a hair above the last cumulative sum.
        return next(item for item, weight in zip(reversed(items), reversed(weights), strict=False) if weight > 0)
