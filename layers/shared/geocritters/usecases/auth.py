"""Guest login: a device id maps to one player, created on first login."""
import hashlib
import hmac
from dataclasses import replace

from ..game.friends import trainer_code_candidate
from ..game.player import new_player
from .ports import TrainerCodeTaken

# Ten candidates collide only if ten random 12-digit codes are all taken: at a billion
# players, a chance of (1e9 / 1e12) ** 10 = 1e-30.
TRAINER_CODE_ATTEMPTS = 10


def player_id_for_device(player_id_key: bytes, device_id: str) -> str:
    """The same device id always yields the same player id, unguessable without the key."""
    digest = hmac.new(player_id_key, device_id.encode(), hashlib.sha256).hexdigest()
    return "pl-" + digest[:24]


def _default_name(player_id: str) -> str:
    return "Trainer" + str(int(player_id[3:11], 16) % 10000).zfill(4)


def guest_login(ctx, device_id: str) -> dict:
    now_ms = ctx.clock.now_ms()
    player_id = player_id_for_device(ctx.keys.player_ids, device_id)
    state = new_player(player_id, _default_name(player_id), now_ms, ctx.config)
    for attempt in range(TRAINER_CODE_ATTEMPTS):
        code = trainer_code_candidate(ctx.keys.trainer_codes, player_id, attempt)
        try:
            ctx.players.create_player(replace(state, trainer_code=code))
            break
        except TrainerCodeTaken:
            continue
    else:
        raise RuntimeError(f"no free trainer code for {player_id} in {TRAINER_CODE_ATTEMPTS} tries")
    session = ctx.issue_token(player_id, now_ms // 1000)
    return {"player_id": player_id, "token": session.token, "expires_in": session.expires_in_s}
