"""Friends: trainer codes, requests, friendships and their levels.

A friendship is stored as two mirrored sides, one in each player's partition, so each
player lists their friends with one query. Both sides carry the same interaction count
and are always written together; a side's own field (the day it last sent a gift) is
written only by its owner's actions.

A friendship's level comes from the number of UTC days that had an interaction (a gift
sent or opened, a trade): counted at most once a day, so a level rises at most once a
day per pair.
"""
import hashlib
import hmac
from dataclasses import dataclass, replace

from .config import DAY_MS, GameConfig
from .errors import Conflict, InvalidInput, NotFound, RuleRefused

TRAINER_CODE_DIGITS = 12
# Levels by index: a new friendship is plain "friend" until its first day of interaction.
FRIENDSHIP_LEVELS = ("friend", "good", "great", "ultra", "best")


def trainer_code_candidate(key: bytes, player_id: str, attempt: int) -> str:
    """The player's ``attempt``-th candidate code: 12 decimal digits from a keyed hash,
    so codes are unguessable from ids and the next candidate is tried on a collision."""
    digest = hmac.new(key, f"{player_id}|{attempt}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**TRAINER_CODE_DIGITS).zfill(TRAINER_CODE_DIGITS)


def check_trainer_code(code) -> str:
    """A trainer code is exactly 12 digits (clients may show it with spaces: stripped)."""
    if not isinstance(code, str):
        raise InvalidInput("trainer_code must be a string of 12 digits", code="invalid_trainer_code")
    digits = code.replace(" ", "")
    if len(digits) != TRAINER_CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        raise InvalidInput("trainer_code must be 12 digits", code="invalid_trainer_code")
    return digits


@dataclass(frozen=True)
class FriendRequest:
    from_id: str
    from_name: str
    to_id: str
    to_name: str
    sent_ms: int
    expires_ms: int

    @property
    def request_id(self) -> str:
        return request_id(self.from_id, self.to_id)

    def expired(self, now_ms: int) -> bool:
        return now_ms >= self.expires_ms


def request_id(from_id: str, to_id: str) -> str:
    """``fq-<from>.<to>``: player ids (``pl-<hex>``) never contain a dot."""
    return f"fq-{from_id}.{to_id}"


def parse_request_id(text: str) -> tuple[str, str]:
    """(from, to) of a request id; a malformed one is bad input."""
    body = text.removeprefix("fq-") if text.startswith("fq-") else None
    parts = body.split(".") if body else []
    if len(parts) != 2 or not all(_looks_like_player_id(p) for p in parts):
        raise InvalidInput("malformed friend request id", code="invalid_request_id")
    return parts[0], parts[1]


def _looks_like_player_id(text: str) -> bool:
    return text.startswith("pl-") and 3 < len(text) <= 64 and text[3:].isalnum()


def check_player_id(text: str, code: str = "invalid_player_id") -> str:
    if not isinstance(text, str) or not _looks_like_player_id(text):
        raise InvalidInput("malformed player id", code=code)
    return text


@dataclass(frozen=True)
class Friendship:
    """One side of a friendship: ``player_id``'s view of ``friend_id``."""

    player_id: str
    friend_id: str
    friend_name: str
    since_ms: int
    days: int = 0  # UTC days with an interaction (the same on both sides)
    last_day: int = -1  # UTC day index of the last interaction
    gift_sent_day: int = -1  # the day this side last sent the other a gift
    revision: int = 0  # of this side's item; 0: not stored yet

    def level(self, config: GameConfig) -> int:
        return sum(1 for days in config.friendship_days if self.days >= days)

    def level_name(self, config: GameConfig) -> str:
        return FRIENDSHIP_LEVELS[self.level(config)]

    def days_to_next_level(self, config: GameConfig) -> int | None:
        level = self.level(config)
        if level >= len(config.friendship_days):
            return None
        return config.friendship_days[level] - self.days


def new_request(sender, receiver, now_ms: int, config: GameConfig) -> FriendRequest:
    return FriendRequest(from_id=sender.player_id, from_name=sender.name,
                         to_id=receiver.player_id, to_name=receiver.name, sent_ms=now_ms,
                         expires_ms=now_ms + config.friend_request_ttl_ms)


def check_can_request(sender_id: str, receiver_id: str, already_friends: bool,
                      pending_out: FriendRequest | None, pending_in: FriendRequest | None,
                      sender_friends: int, now_ms: int, config: GameConfig) -> None:
    """A request goes to another player who isn't a friend yet, once (while it is
    pending), and not back to someone whose request waits for an answer."""
    check_not_self(sender_id, receiver_id)
    if already_friends:
        raise Conflict("you are already friends", code="already_friends")
    if pending_out is not None and not pending_out.expired(now_ms):
        raise Conflict("you already sent this trainer a request", code="friend_request_exists")
    if pending_in is not None and not pending_in.expired(now_ms):
        raise Conflict("this trainer already sent you a request: accept it",
                       code="friend_request_incoming")
    check_room(sender_friends, config, "you have")


def check_not_self(sender_id: str, receiver_id: str) -> None:
    if receiver_id == sender_id:
        raise InvalidInput("that is your own trainer code", code="own_trainer_code")


def check_room(friend_count: int, config: GameConfig, who: str = "you have",
               code: str = "friend_limit") -> None:
    if friend_count >= config.friend_limit:
        raise Conflict(f"{who} {config.friend_limit} friends already", code=code)


def check_pending(request: FriendRequest | None, now_ms: int) -> FriendRequest:
    if request is None:
        raise NotFound("no such friend request", code="friend_request_not_found")
    if request.expired(now_ms):
        raise Conflict("this friend request has expired", code="friend_request_expired")
    return request


def befriend(request: FriendRequest, now_ms: int) -> tuple[Friendship, Friendship]:
    """Both sides of the friendship an accepted request starts."""
    return (Friendship(request.from_id, request.to_id, request.to_name, now_ms),
            Friendship(request.to_id, request.from_id, request.from_name, now_ms))


def found_friendship(side: Friendship | None) -> Friendship:
    if side is None:
        raise RuleRefused("you are not friends with this trainer", code="not_friends")
    return side


def interact(mine: Friendship, theirs: Friendship, now_ms: int) -> tuple[Friendship, Friendship]:
    """Count today as a day of interaction for the pair, once a day. Both sides get the
    larger count read (they are written together, so they only differ if one side's
    write is a repair)."""
    today = now_ms // DAY_MS
    days = max(mine.days, theirs.days)
    last = max(mine.last_day, theirs.last_day)
    if last != today:
        days, last = days + 1, today
    return replace(mine, days=days, last_day=last), replace(theirs, days=days, last_day=last)
