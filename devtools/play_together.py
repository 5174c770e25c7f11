"""Scripted players together against ``make run``: a gym taken over, a raid won.

1. Gyms: blue deploys a weak defender at a free gym; red battles it until it leaves
   and takes the gym; blue sees the defender back and claims it with its coins.
2. Raids: scouts read the map around until a gym shows a raid boss with time left;
   three players spin that gym (the day's free raid pass), join one lobby, wait out the
   countdown, claim, and each throws Premier Balls until the boss is caught or flees.

Players get their team, XP and strong creatures from ``devtools.seed`` (written into
the dev server's embedded AWS), so the server must be a local one. Start it with short
timings (``DEV_TIMINGS``) so the session runs in seconds, not minutes, at any hour:

    python -m devtools.run_local $(python -m devtools.play_together --print-config)
    python -m devtools.play_together --aws-url http://127.0.0.1:4510
"""
import argparse
import datetime
import json
import subprocess
import sys
import time
import uuid

from devtools.play import Client

# A dev server's timings for this session: a 3 s lobby countdown, a 30 s raid fight
# (simulated, not waited for), a coin per second defended, and a raid window of 20 min
# that a raid fills (eggs at most 10 s after the window opens, hatching 10 s later), so
# a boss is up at almost any moment.
DEV_TIMINGS = {
    "raid_lobby_countdown_ms": 3000, "raid_fight_s": 30, "gym_coin_interval_ms": 1000,
    "raid_window_ms": 20 * 60_000, "raid_egg_offset_max_ms": 10_000,
    "raid_egg_duration_ms": 10_000, "raid_boss_duration_ms": 20 * 60_000 - 20_000,
}
# Enough for a lobby's countdown and fight at these timings, with margin. Only tier-1
# bosses (600 HP) are sought: three players can't count on beating more in a 30 s fight.
MIN_RAID_TIME_LEFT_MS = 60_000
SEARCH_ROUNDS = 12  # between two raid windows nothing is up: look again every 15 s


def dev_server_args() -> list[str]:
    """``devtools.run_local`` arguments that set ``DEV_TIMINGS``."""
    return [arg for name, value in DEV_TIMINGS.items() for arg in ("--config", f"{name}={value}")]


class Trainer(Client):
    """A player of these sessions. Its actions (``act``) go through the Python SDK's
    rules: one Idempotency-Key per action, reused on every retry, Retry-After honoured
    on 429 and 503 (devtools/play.py ``Client``)."""

    def __init__(self, url: str, aws_url: str, name: str, out):
        super().__init__(url, device_id=f"{name}-{uuid.uuid4().hex[:8]}")
        self.name = name
        self.out = out
        self.login()
        self.aws_url = aws_url
        self.creatures: list[str] = []

    def seed(self, *args: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "devtools.seed", "--aws-url", self.aws_url,
             "--player", self.player_id, *args], capture_output=True, text=True, check=True)
        self.creatures = json.loads(result.stdout.strip().splitlines()[-1])["creatures"]


def _map(trainer: Trainer, lat: float, lng: float) -> dict:
    status, seen = trainer.call("GET", f"/v1/map?lat={lat}&lng={lng}")
    assert status == 200, seen
    return seen


def gyms(url: str, aws_url: str, lat: float, lng: float, out=print) -> bool:
    blue, red = Trainer(url, aws_url, "blue", out), Trainer(url, aws_url, "red", out)
    blue.seed("--team", "blue", "--xp", "10000", "--creatures", "1", "--level", "1")
    red.seed("--team", "red", "--xp", "10000", "--creatures", "6", "--level", "35")
    free = []
    for n in range(20):  # walk about until a free gym is in sight
        free = [g for g in _map(blue, lat + 0.004 * (n % 5), lng + 0.004 * (n // 5))["gyms"]
                if g["team"] is None and (g["raid"] is None or g["raid"]["phase"] != "battle")]
        if free:
            break
    if not free:
        out("no free gym in sight")
        return False
    gym = free[0]
    here = {"lat": gym["lat"], "lng": gym["lng"]}
    status, deployed = blue.act("POST", f"/v1/gyms/{gym['id']}/defenders",
                                {**here, "creature_id": blue.creatures[0]})
    out(f"blue deploys at {gym['name']}: {status} team={deployed.get('gym', {}).get('team')}")
    if status != 200:
        return False
    time.sleep(2)  # let the defender earn something (dev timings: a coin a second)
    left = []
    for n in range(10):
        status, fought = red.act("POST", f"/v1/gyms/{gym['id']}/battles",
                                 {**here, "creature_ids": red.creatures})
        out(f"red battles ({n + 1}): {status} won={fought.get('won')} left_gym={fought.get('left_gym')}")
        if status != 200:
            return False
        left += fought["left_gym"]
        if fought["gym"]["team"] is None:
            break
    status, taken = red.act("POST", f"/v1/gyms/{gym['id']}/defenders", {**here, "creature_id": red.creatures[0]})
    out(f"red deploys: {status} team={taken.get('gym', {}).get('team')}")
    status, mine = blue.call("GET", "/v1/me/defenders")
    out(f"blue's defenders: {status} returned={[r['creature_id'] for r in mine['returned']]}")
    status, claimed = blue.act("POST", "/v1/me/defenders/claim")
    out(f"blue claims: {status} coins_credited={claimed.get('coins_credited')} coins={claimed.get('coins')}")
    return (left == [blue.creatures[0]] and taken.get("gym", {}).get("team") == "red"
            and status == 200 and claimed["coins_credited"] > 0
            and [r["creature_id"] for r in claimed["returned"]] == [blue.creatures[0]])


def _spot_raids(url: str, aws_url: str, lat: float, lng: float, out):
    """(bosses up with time left, eggs) seen on the map around (lat, lng)."""
    battles, eggs = [], []
    scout = None
    for n in range(64):
        if n % 25 == 0:  # a scout reads the map at most 30 times a minute
            scout = Trainer(url, aws_url, f"scout{n}", out)
        seen = _map(scout, lat + 0.006 * (n % 8), lng + 0.006 * (n // 8))
        for gym in seen["gyms"]:
            raid = gym["raid"]
            if raid is None or raid["tier"] != 1 or raid["end_ms"] - max(
                    seen["server_ms"], raid["hatch_ms"]) < MIN_RAID_TIME_LEFT_MS:
                continue
            (battles if raid["phase"] == "battle" else eggs).append((raid["hatch_ms"], gym, raid))
        if battles:
            break
    return battles, eggs


def find_raid(url: str, aws_url: str, lat: float, lng: float, out=print):
    """A gym showing a tier-1 raid boss with time left: (gym, raid). When only
    eggs are in sight, waits for the first to hatch; when nothing is, looks again."""
    for _ in range(SEARCH_ROUNDS):
        battles, eggs = _spot_raids(url, aws_url, lat, lng, out)
        if battles:
            _, gym, raid = battles[0]
            return gym, raid
        if eggs:
            hatch_ms, gym, _ = min(eggs, key=lambda entry: entry[0])
            out(f"waiting {max(0, hatch_ms / 1000 - time.time()):.0f} s for an egg to hatch")
            time.sleep(max(0.0, hatch_ms / 1000 - time.time()) + 1)
            seen = _map(Trainer(url, aws_url, "scout-egg", out), gym["lat"], gym["lng"])
            return gym, {g["id"]: g for g in seen["gyms"]}[gym["id"]]["raid"]
        out("no raid in sight; looking again in 15 s")
        time.sleep(15)
    return None


def raid(url: str, aws_url: str, lat: float, lng: float, out=print) -> bool:
    spotted = find_raid(url, aws_url, lat, lng, out)
    if spotted is None:
        out("no raid boss in sight")
        return False
    gym, boss = spotted
    out(f"raid at {gym['name']}: tier {boss['tier']}, boss {boss.get('boss_species')} CP {boss.get('boss_cp')}")
    here = {"lat": gym["lat"], "lng": gym["lng"]}
    raiders = [Trainer(url, aws_url, f"raider{n}", out) for n in range(3)]
    for trainer in raiders:
        trainer.seed("--team", "blue", "--xp", "10000", "--creatures", "6", "--level", "40")
        status, spun = trainer.act("POST", f"/v1/gyms/{gym['id']}/spin", here)
        out(f"{trainer.name} spins the gym: {status} raid_pass={spun.get('raid_pass')}")
    for trainer in raiders:  # together, within the lobby's countdown
        status, joined = trainer.act("POST", f"/v1/raids/{boss['id']}/join",
                                     {**here, "creature_ids": trainer.creatures})
        out(f"{trainer.name} joins: {status} lobby={joined.get('lobby')} members={joined.get('members')}")
        if status != 200:
            return False
    wait_ms = joined["countdown_ends_ms"] - int(time.time() * 1000)
    time.sleep(max(0, wait_ms) / 1000 + 0.5)
    outcomes = []
    for trainer in raiders:
        status, claim = trainer.act("POST", f"/v1/raids/{boss['id']}/claim")
        out(f"{trainer.name} claims: {status} won={claim.get('won')} premier_balls={claim.get('premier_balls')}")
        if status != 200 or not claim["won"]:
            return False
        outcome = None
        for _ in range(claim["premier_balls"]):
            status, thrown = trainer.act("POST", f"/v1/encounters/{claim['encounter']['encounter_id']}/throws",
                                         {"ball": "premier_ball", "throw": "excellent", "curveball": True})
            outcome = thrown.get("outcome")
            if outcome in ("caught", "fled"):
                break
        out(f"{trainer.name} vs the boss: {outcome}")
        outcomes.append(outcome)
    return all(o in ("caught", "fled") for o in outcomes)


def midday_longitude(now: datetime.datetime | None = None) -> float:
    """A longitude where it is about noon (solar time) now: raids hatch 05:00-20:59."""
    now = now or datetime.datetime.now(datetime.UTC)
    return ((12 - now.hour) * 15 + 180) % 360 - 180


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--aws-url", default="http://127.0.0.1:4510")
    parser.add_argument("--lat", type=float, default=40.758)
    parser.add_argument("--lng", type=float, help="default: where it is about noon now")
    parser.add_argument("--print-config", action="store_true",
                        help="print the dev server's arguments for this session and exit")
    args = parser.parse_args(argv)
    if args.print_config:
        print(" ".join(dev_server_args()))
        return 0
    lng = args.lng if args.lng is not None else midday_longitude()
    ok = gyms(args.url, args.aws_url, args.lat, lng) and raid(args.url, args.aws_url, args.lat, lng)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
