"""Every gameplay action, by one name.

The same name is used in logs, idempotency records, request fingerprints, rate limits
and metrics. A feature (one deployed function) serves one or more actions: the
``catch`` function serves ``throw``; ``creatures`` serves ``list_creatures``,
``transfer``, ``evolve`` and ``power_up``.

Values are plain strings (``StrEnum``) because they are stored: idempotency records and
the players' rate windows written before this enumeration existed keep their meaning.
"""
from enum import StrEnum


class Action(StrEnum):
    LOGIN = "login"
    PROFILE = "profile"
    CHOOSE_TEAM = "choose_team"
    MAP = "map"
    ENCOUNTER = "encounter"
    THROW = "throw"
    SPIN = "spin"
    ITEMS = "items"
    LIST_CREATURES = "list_creatures"
    TRANSFER = "transfer"
    EVOLVE = "evolve"
    POWER_UP = "power_up"
    GYM = "gym"
    DEPLOY = "deploy"
    BATTLE = "battle"
    FEED = "feed"
    GYM_SPIN = "gym_spin"
    DEFENDERS = "defenders"
    CLAIM_DEFENDERS = "claim_defenders"
    RAID = "raid"
    JOIN_RAID = "join_raid"
    CLAIM_RAID = "claim_raid"
    FRIENDS = "friends"
    FRIEND_REQUESTS = "friend_requests"
    SEND_FRIEND_REQUEST = "send_friend_request"
    ACCEPT_FRIEND = "accept_friend"
    DECLINE_FRIEND = "decline_friend"
    CANCEL_FRIEND_REQUEST = "cancel_friend_request"
    REMOVE_FRIEND = "remove_friend"
    GIFTS = "gifts"
    SEND_GIFT = "send_gift"
    OPEN_GIFT = "open_gift"
    TRADES = "trades"
    TRADE = "trade"
    PROPOSE_TRADE = "propose_trade"
    OFFER_TRADE = "offer_trade"
    CONFIRM_TRADE = "confirm_trade"
    CANCEL_TRADE = "cancel_trade"
    EGGS = "eggs"
    INCUBATE = "incubate"
    HATCH = "hatch"
    BUDDY = "buddy"
    CHOOSE_BUDDY = "choose_buddy"
    CLAIM_BUDDY_CANDY = "claim_buddy_candy"
    GAME_DATA = "game_data"
    # Regional leaderboards (functions/boards.py).
    BOARD = "board"
    # Live events, by operators only (functions/events_admin.py).
    CREATE_EVENT = "create_event"
    LIST_EVENTS = "list_events"
    CANCEL_EVENT = "cancel_event"
