"""Domain errors. Each carries a stable snake_case ``code``; the HTTP edge maps the
error *type* (never its message) to a status code in one table."""


class GameError(Exception):
    """Base of every refusal the game itself makes."""

    code = "game_error"

    def __init__(self, message: str, *, code: str | None = None, retry_after_s: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.retry_after_s = retry_after_s


class InvalidInput(GameError):
    """The request is malformed: wrong type, out of range, unknown value (400)."""

    code = "invalid_input"


class RuleRefused(GameError):
    """A game rule forbids the action right now: out of range, travel cooldown (403)."""

    code = "rule_refused"


class NotFound(GameError):
    """The object does not exist for this player (404)."""

    code = "not_found"


class Conflict(GameError):
    """The object's state forbids the action: already caught, stop cooling down (409)."""

    code = "conflict"


class RateLimited(GameError):
    """Too many actions of one kind in the current window (429, with Retry-After)."""

    code = "rate_limited"


class Unprocessable(GameError):
    """Well-formed, but the game can't accept it as asked (422)."""

    code = "unprocessable"
