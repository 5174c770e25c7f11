"""Guest login: a device id maps to one player, created on first login."""
import hashlib
import hmac

from ..game.player import new_player


def player_id_for_device(player_id_key: bytes, device_id: str) -> str:
    """The same device id always yields the same player id, unguessable without the key."""
    digest = hmac.new(player_id_key, device_id.encode(), hashlib.sha256).hexdigest()
    return "pl-" + digest[:24]


def _default_name(player_id: str) -> str:
    return "Trainer" + str(int(player_id[3:11], 16) % 10000).zfill(4)


def guest_login(ctx, device_id: str) -> dict:
    now_ms = ctx.clock.now_ms()
    player_id = player_id_for_device(ctx.keys.player_ids, device_id)
    ctx.players.create_player(new_player(player_id, _default_name(player_id), now_ms, ctx.config))
    session = ctx.issue_token(player_id, now_ms // 1000)
    return {"player_id": player_id, "token": session.token, "expires_in": session.expires_in_s}
