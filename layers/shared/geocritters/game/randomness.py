"""Keyed, reproducible randomness: the one random stream of the game core.

A stream is derived from a server key and what causes it (an outcome: encounter id,
throw index, ...; the world: a cell or a spawn point and hour). A retried request
therefore replays the very same stream and cannot re-roll, any server recomputes the
world from an id alone, and a client without the key cannot predict either.

``KeyedRng`` is the stream: 64-bit draws from HMAC-SHA256(key, message of block n), and
the draws built on them. Two message framings are pinned, because stored outcomes and the
generated world must never change (tests/unit/test_world_pinned.py):

- ``OutcomeRng``: text parts joined by ``|``, ``#``, the block number in decimal; one draw
  per block (the digest's first 8 bytes).
- ``WorldRng``: length-prefixed UTF-8 parts, the block number as 4 bytes; four draws per
  block (the digest's four 8-byte words, last first).
"""
import hashlib
import hmac
import struct
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_PART_SEPARATOR = "|"
# Separates the counter from the parts, so ("a1",) #0 and ("a",) #10 never collide.
_COUNTER_SEPARATOR = "#"
_FLOAT_BITS = 53  # a double's mantissa: every float in [0, 1) on a 2**-53 grid is reachable
_FLOAT_SCALE = 1.0 / (1 << _FLOAT_BITS)
_FIRST_U64 = struct.Struct(">Q")
_FOUR_U64 = struct.Struct(">4Q")  # one SHA-256 digest = four 64-bit words


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


class KeyedRng:
    """A deterministic stream of 64-bit draws: HMAC-SHA256(key, message(block)), block = 0, 1, ...

    Subclasses choose the message framing (``_message``) and which words of a digest are
    drawn (``_words``); every draw below is built on ``u64`` alone.
    """

    __slots__ = ("_block", "_key", "_pool")

    def __init__(self, key: bytes):
        self._key = key
        self._block = 0
        self._pool: list[int] = []  # the current block's unused words, drawn from the end

    def _message(self, block: int) -> bytes:
        raise NotImplementedError

    def _words(self, digest: bytes) -> list[int]:
        raise NotImplementedError

    def u64(self) -> int:
        """The next uniform 64-bit integer; the n-th depends only on key, parts and n."""
        if not self._pool:
            digest = hmac.digest(self._key, self._message(self._block), "sha256")
            self._block += 1
            self._pool = self._words(digest)
        return self._pool.pop()

    def random(self) -> float:
        """A float uniform in [0, 1): the top 53 bits of the next draw."""
        return (self.u64() >> (64 - _FLOAT_BITS)) * _FLOAT_SCALE

    def below(self, n: int) -> int:
        """An integer uniform in [0, n) by exact scaling of the next draw (bias below n / 2**64)."""
        return (self.u64() * n) >> 64

    def randint(self, lo: int, hi: int) -> int:
        """A uniform integer in [lo, hi], both ends included."""
        if lo > hi:
            raise ValueError(f"empty range [{lo}, {hi}]")
        span = hi - lo + 1
        # Scales a float, not ``below``: outcomes are pinned to this derivation. For the
        # small spans a game uses the bias of scaling a 53-bit float is < 2**-40.
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


class OutcomeRng(KeyedRng):
    """The stream of a server-decided outcome: HMAC-SHA256(key, "part|part#n"), one draw per block."""

    __slots__ = ("_prefix",)

    def __init__(self, key: bytes, *parts: str | int):
        if not isinstance(key, bytes) or not key:
            raise ValueError("key must be non-empty bytes")
        super().__init__(key)
        self._prefix = _PART_SEPARATOR.join(_encode_part(p) for p in parts) + _COUNTER_SEPARATOR

    def _message(self, block: int) -> bytes:
        return f"{self._prefix}{block}".encode()

    def _words(self, digest: bytes) -> list[int]:
        return list(_FIRST_U64.unpack_from(digest))


class WorldRng(KeyedRng):
    """The stream of the generated world: length-prefixed parts + 4-byte block, four draws per block."""

    __slots__ = ("_parts",)

    def __init__(self, key: bytes, *parts: str):
        super().__init__(key)
        # Length-prefixed parts: no two different part lists give the same message.
        encoded = (part.encode("utf-8") for part in parts)
        self._parts = b"".join(len(raw).to_bytes(2, "big") + raw for raw in encoded)

    def _message(self, block: int) -> bytes:
        return self._parts + block.to_bytes(4, "big")

    def _words(self, digest: bytes) -> list[int]:
        return list(_FOUR_U64.unpack(digest))
