"""The player's bag."""
from .player import load_player


def list_items(ctx, player_id: str) -> dict:
    state = load_player(ctx, player_id)
    return {"items": {k: v for k, v in sorted(state.items.items()) if v > 0},
            "total": state.item_total, "capacity": ctx.config.bag_capacity}
