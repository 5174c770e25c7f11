"""Two scripted players together against ``make run``: friends, gifts, a trade.

Ash and Misty log in and read their trainer codes (``GET /v1/me``); Ash sends a friend
request by Misty's code and Misty accepts it; each sends the other a gift from the bag
and opens the one received; both read the map at the same spot (the server's record
of where they are is what proves they are within 100 m); Ash proposes a trade with a
creature, Misty answers with one of hers, Ash confirms. Then both collections must
show the other's creature (and no longer their own), and both players must have paid
the stardust the trade says.

Everything is HTTP against the running server except the set-up: ``devtools.seed``
gives each player level 10 (trading opens), stardust, a gift in the bag and one
creature, written into the dev server's embedded AWS, so the server must be a local one:

    make run                                   # in one terminal
    python -m devtools.play_social --aws-url http://127.0.0.1:4510
"""
import argparse
import sys

from devtools.play_together import Trainer

TRADE_LEVEL_XP = 45_000  # level 10 (game/levels.py)
STARDUST = 50_000  # more than a special trade's price at any friendship level


def _ok(trainer: Trainer, what: str, status: int, body, detail: str = "") -> bool:
    trainer.out(f"{trainer.name} {what}: {status} {detail}".rstrip())
    if status != 200:
        trainer.out(f"  {body}")
    return status == 200


def _get(trainer: Trainer, path: str) -> dict:
    status, body = trainer.call("GET", path)
    assert status == 200, (path, status, body)
    return body


def _collection(trainer: Trainer) -> set[str]:
    return {c["id"] for c in _get(trainer, "/v1/me/creatures")["creatures"]}


def befriend(ash: Trainer, misty: Trainer) -> bool:
    ash_code, misty_code = (_get(t, "/v1/me")["trainer_code"] for t in (ash, misty))
    ash.out(f"trainer codes: ash {ash_code}, misty {misty_code}")
    status, sent = ash.act("POST", "/v1/friend-requests", {"trainer_code": misty_code})
    if not _ok(ash, "asks misty", status, sent, f"request={sent.get('request_id')}"):
        return False
    incoming = [r["request_id"] for r in _get(misty, "/v1/me/friend-requests")["incoming"]]
    status, accepted = misty.act("POST", f"/v1/friend-requests/{incoming[0]}/accept")
    if not _ok(misty, "accepts", status, accepted, f"count={accepted.get('count')}"):
        return False
    friends = _get(ash, "/v1/me/friends")["friends"]
    ash.out(f"ash's friends: {[(f['name'], f['friendship']) for f in friends]}")
    return incoming == [sent["request_id"]] and [f["player_id"] for f in friends] == [misty.player_id]


def exchange_gifts(ash: Trainer, misty: Trainer) -> bool:
    for sender, receiver in ((ash, misty), (misty, ash)):
        status, gift = sender.act("POST", f"/v1/me/friends/{receiver.player_id}/gifts")
        if not _ok(sender, f"sends {receiver.name} a gift", status, gift,
                   f"gift={gift.get('gift_id')} bag={gift.get('bag')}"):
            return False
    for sender, receiver in ((ash, misty), (misty, ash)):
        received = _get(receiver, "/v1/me/gifts")["received"]
        if [g["from"]["player_id"] for g in received] != [sender.player_id]:
            receiver.out(f"{receiver.name}'s gifts: {received}")
            return False
        status, opened = receiver.act("POST", f"/v1/me/gifts/{received[0]['gift_id']}/open")
        if not _ok(receiver, "opens it", status, opened,
                   f"items={opened.get('items')} friendship={(opened.get('friendship') or {}).get('friendship')}"):
            return False
    return True


def trade(ash: Trainer, misty: Trainer, lat: float, lng: float) -> bool:
    for trainer in (ash, misty):  # side by side: the positions the trade is checked against
        _get(trainer, f"/v1/map?lat={lat}&lng={lng}")
    ash.out(f"both read the map at {lat}, {lng}")
    before = {t.name: (_collection(t), _get(t, "/v1/me")["stardust"]) for t in (ash, misty)}
    mine, theirs = ash.creatures[0], misty.creatures[0]
    status, proposed = ash.act("POST", "/v1/trades", {"friend_id": misty.player_id, "creature_id": mine})
    if not _ok(ash, "proposes", status, proposed, f"trade={proposed.get('trade_id')}"):
        return False
    trade_id = proposed["trade_id"]
    status, offered = misty.act("POST", f"/v1/trades/{trade_id}/offer", {"creature_id": theirs})
    if not _ok(misty, "offers", status, offered, f"status={offered.get('status')} "
               f"stardust_cost={offered.get('stardust_cost')}"):
        return False
    status, done = ash.act("POST", f"/v1/trades/{trade_id}/confirm")
    if not _ok(ash, "confirms", status, done, f"status={done.get('status')}"):
        return False
    results = {"ash": done["result"], "misty": _get(misty, f"/v1/trades/{trade_id}")["result"]}
    moved = {"ash": (mine, theirs), "misty": (theirs, mine)}
    ok = done["status"] == "completed"
    for trainer in (ash, misty):
        gave, got = moved[trainer.name]
        owned, dust = before[trainer.name]
        now_owned, now_dust = _collection(trainer), _get(trainer, "/v1/me")["stardust"]
        paid = results[trainer.name]["stardust"]
        trainer.out(f"{trainer.name} gave {gave}, got {got}: collection {sorted(now_owned)}, "
                    f"stardust {dust} -> {now_dust} (paid {paid})")
        ok = ok and now_owned == (owned - {gave}) | {got} and results[trainer.name]["received"]["id"] == got \
            and paid > 0 and dust - now_dust == paid
    return ok


def social(url: str, aws_url: str, lat: float, lng: float, out=print) -> bool:
    ash, misty = Trainer(url, aws_url, "ash", out), Trainer(url, aws_url, "misty", out)
    # Different species each: the received one is new to each collection (a special trade).
    for trainer, species in ((ash, "1"), (misty, "4")):
        trainer.seed("--xp", str(TRADE_LEVEL_XP), "--stardust", str(STARDUST), "--gifts", "1",
                     "--creatures", "1", "--level", "20", "--first-species", species)
    return befriend(ash, misty) and exchange_gifts(ash, misty) and trade(ash, misty, lat, lng)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--aws-url", default="http://127.0.0.1:4510")
    parser.add_argument("--lat", type=float, default=40.758)
    parser.add_argument("--lng", type=float, default=-73.9855)
    args = parser.parse_args(argv)
    return 0 if social(args.url, args.aws_url, args.lat, args.lng) else 1


if __name__ == "__main__":
    sys.exit(main())
