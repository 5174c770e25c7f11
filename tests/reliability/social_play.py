"""Friends, gifts and trades in the fault run (fault_run.py): setup, the actions, the checks.

At the start of a session (faults off) every player is raised to level 10 with stardust,
a few gifts in the gift bag and most common species in their collection (so a trade is
a regular one unless it brings a rare or new species), and the two players sharing a
patch are made friends at a seeded friendship level (the trade cost table has a price
per level). During the session players send friend requests by trainer code to anyone
in the epoch and accept, decline, cancel or remove; send and open gifts; and propose,
answer, confirm and cancel trades with their patch mate, both first reporting their
position to the map (trades need fresh positions within 100 m).

The session keeps its own model of friendships (days of interaction), pending requests,
gifts sent and opened, and trades, from the answers alone. Trade prices are predicted
from ``game/trades.terms_for``'s inputs as the ledger knows them (the receiver's
collection, the friendship level) and compared with what each answer says was paid;
at the end the stored friend books, inboxes, trades and creature owners must equal the
model.
"""
from collections import Counter
from dataclasses import replace

from geocritters.game import trades as trade_rules
from geocritters.game.config import DAY_MS
from geocritters.game.friends import Friendship
from geocritters.game.gifts import gift_contents, gift_id
from geocritters.game.levels import TRAINER_XP_THRESHOLDS, trainer_level
from geocritters.game.species import roster
from geocritters.usecases.ports import AddFriendship, CountFriends, SavePlayer
from tests.reliability.gym_play import MISTAKE

TRADE_LEVEL_XP = TRAINER_XP_THRESHOLDS[9]  # level 10: trading opens
SETUP_STARDUST = 60_000  # three special trades at a new friendship's price
SETUP_GIFTS = 3
UNKNOWN_SPECIES = 0.15  # the share of common species left out of a player's collection
SEEDED_DAYS = (0, 1, 7, 30, 90)  # a patch pair's interaction days: friend .. best
FRESH_REPORT_MS = 20_000  # of trade_position_max_age_ms (60 s): room for a few retries

_TRADE_STEP = {(429, "rate_limited"), (403, "position_stale"), (403, "not_friends"),
               (409, "trade_expired"), (409, "trade_completed"), (409, "trade_cancelled"),
               (403, "trade_wrong_side"), (409, "trade_not_ready"),
               (409, "trade_already_offered"), (404, "creature_not_found"),
               (409, "creature_defending"), (409, "creature_already_traded"),
               (409, "trade_creature_gone"), (409, "trade_creature_changed"),
               (409, "trade_creature_busy"), (409, "creature_is_buddy"),
               (403, "trade_too_far"), (403, "trade_limit"), (403, "special_trade_limit"),
               (409, "not_enough_stardust"), (404, "trade_not_found")}
SOCIAL_REFUSALS = {
    "friend_request": {(409, "already_friends"), (409, "friend_request_exists"),
                       (409, "friend_request_incoming"), (400, "own_trainer_code"),
                       (429, "rate_limited")},
    "answer_request": {(404, "friend_request_not_found"), (429, "rate_limited")},
    "remove_friend": {(404, "friend_not_found"), (429, "rate_limited")},
    "friends": set(),
    "gift_box": set(),
    "send_gift": {(409, "gift_already_sent"), (409, "gift_unopened"), (409, "no_gifts"),
                  (403, "not_friends"), (429, "rate_limited")},
    "open_gift": {(404, "gift_not_found"), (403, "gift_open_limit"), (409, "bag_full"),
                  (429, "rate_limited")},
    "propose_trade": _TRADE_STEP,
    "offer_trade": _TRADE_STEP,
    "confirm_trade": _TRADE_STEP,
    "cancel_trade": _TRADE_STEP,
}
OPEN = trade_rules.OPEN


def _pair(a: str, b: str) -> frozenset:
    return frozenset((a, b))


class SocialPlay:
    """The friends, gifts and trades actions of ``fault_run.Session`` (a mixin, like
    ``GymPlay``: it uses the session's rng, clock, send, _record, sims, ctx)."""

    # --- setup (faults off) ---

    def init_social_play(self, ctx):
        self.by_id = {s.player_id: s for s in self.sims}
        self.codes = {}
        self.friendships: dict = {}  # pair -> {"days", "last_day", "gift_day": {player: day}}
        self.requests: dict = {}  # (from, to) -> request id, pending as answered
        # (receiver, gift id) -> {"from", "to", "items", "opened"}: a gift id is the sender's
        # and the day's, unique in its receiver's inbox.
        self.gifts_sent: dict = {}
        self.trades: dict = {}  # trade id -> the model of one trade
        self.trade_days: dict = {}  # player id -> (day, trades, special trades)
        self.reported: dict = {}  # player id -> no later than their last map report
        self.social = Counter()  # figures: trades completed, stardust paid and predicted ...
        common = sorted(k for k, s in roster().items()
                        if not trade_rules.is_rare(k, ctx.config) and s.spawn_weight > 0)
        for sim in self.sims:
            state = ctx.store.get_player(sim.player_id)
            dex = {k for k in common if self.rng.random() >= UNKNOWN_SPECIES} | set(state.dex)
            state = replace(state, xp=max(state.xp, TRADE_LEVEL_XP), stardust=SETUP_STARDUST,
                            gifts=SETUP_GIFTS, dex=frozenset(dex))
            ctx.store.commit([SavePlayer(state)])
            state = ctx.store.get_player(sim.player_id)
            sim.ledger.xp, sim.ledger.stardust = state.xp, state.stardust
            sim.ledger.gifts, sim.ledger.dex = state.gifts, set(state.dex)
            self.codes[sim.player_id] = state.trainer_code
        for a, b in zip(self.sims[0::2], self.sims[1::2], strict=False):  # patch mates: friends already
            days = self.rng.choice(SEEDED_DAYS)
            now = self.clock.now_ms()
            sides = [Friendship(x.player_id, y.player_id, ctx.store.get_player(y.player_id).name,
                                now, days=days, last_day=now // DAY_MS - 1 if days else -1)
                     for x, y in ((a, b), (b, a))]
            limit = ctx.config.friend_limit
            ctx.store.commit([AddFriendship(sides[0]), AddFriendship(sides[1]),
                              CountFriends(a.player_id, +1, limit),
                              CountFriends(b.player_id, +1, limit)])
            self.friendships[_pair(a.player_id, b.player_id)] = {
                "days": days, "last_day": sides[0].last_day, "gift_day": {}}

    # --- the model ---

    def friends_of(self, player_id: str) -> list:
        return sorted(next(iter(p - {player_id})) for p in self.friendships if player_id in p)

    def patch_mate(self, sim):
        mate = self.sims[sim.index ^ 1] if (sim.index ^ 1) < len(self.sims) else None
        return mate if mate is not None and _pair(sim.player_id, mate.player_id) in self.friendships else None

    def friendship_level(self, a: str, b: str) -> int:
        days = self.friendships[_pair(a, b)]["days"]
        return sum(1 for d in self.ctx.config.friendship_days if days >= d)

    def _interact(self, a: str, b: str, now_ms: int) -> None:
        """``game/friends.interact``: today counts once for the pair."""
        f = self.friendships.get(_pair(a, b))
        if f is not None and f["last_day"] != now_ms // DAY_MS:
            f["days"] += 1
            f["last_day"] = now_ms // DAY_MS

    def unopened_to(self, player_id: str) -> list:
        return sorted(g for (to, g), info in self.gifts_sent.items()
                      if to == player_id and not info["opened"])

    def open_trades(self, player_id: str, side: str | None = None, status: str | None = None) -> list:
        return sorted(t for t, tr in self.trades.items() if tr["status"] in OPEN
                      and player_id in (tr["proposer"], tr["receiver"])
                      and (side is None or tr[side] == player_id)
                      and (status is None or tr["status"] == status))

    def tradable(self, sim) -> list:
        return [c for c in sim.ledger.free_creatures()
                if c not in sim.ledger.traded and c != sim.ledger.buddy_id]

    def terms(self, receiver_id: str, species_id: int, level: int):
        """What ``receiver_id`` pays to receive ``species_id`` (game/trades.terms_for, from
        the ledger's collection: a regular trade costs the flat price, a special one the
        friendship level's)."""
        config = self.ctx.config
        ledger = self.by_id[receiver_id].ledger
        special = trade_rules.is_rare(species_id, config) or species_id not in ledger.dex
        price = (config.trade_special_stardust[max(level, 1) - 1] if special
                 else config.trade_regular_stardust)
        return special, price

    def caps_allow(self, player_id: str, special: bool, price: int, day: int) -> bool:
        config = self.ctx.config
        known_day, trades, specials = self.trade_days.get(player_id, (day, 0, 0))
        if known_day != day:
            trades, specials = 0, 0
        return (trades < config.trades_per_day and not (special and specials >= config.special_trades_per_day)
                and self.by_id[player_id].ledger.stardust >= price)

    def _count_trade(self, player_id: str, special: bool, day: int) -> None:
        known_day, trades, specials = self.trade_days.get(player_id, (day, 0, 0))
        if known_day != day:
            trades, specials = 0, 0
        self.trade_days[player_id] = (day, trades + 1, specials + int(special))

    # --- what a player can do now (weights) ---

    def social_weights(self, sim, now: int) -> dict:
        pid = sim.player_id
        strangers = [s for s in self.sims if s is not sim and _pair(pid, s.player_id) not in self.friendships
                     and (pid, s.player_id) not in self.requests and (s.player_id, pid) not in self.requests]
        pending = [r for r in self.requests if pid in r]
        friends = self.friends_of(pid)
        today = now // DAY_MS
        can_give = [f for f in friends if self.friendships[_pair(pid, f)]["gift_day"].get(pid) != today]
        mate = self.patch_mate(sim)
        # One open trade per pair at a time, mostly (two-player actions cost about twice
        # a one-player one: their share is kept small so the run's length stays).
        idle = mate is not None and not any(mate.player_id in (self.trades[t]["proposer"], self.trades[t]["receiver"])
                                            for t in self.open_trades(pid))
        return {
            "friend_request": 2 if strangers else 0.2,
            "answer_request": 6 if pending else 0,
            "remove_friend": 0.3 if friends else 0,
            "friends": 0.5,
            "gift_box": 0.5,
            "send_gift": (4 if can_give and sim.ledger.gifts else 0.3) if friends else 0,
            "open_gift": 5 if self.unopened_to(pid) else 0.2,
            "propose_trade": 5 if idle and self.tradable(sim) else (0.3 if friends else 0),
            "offer_trade": 15 if self.open_trades(pid, "receiver", "proposed")
            and sim.ledger.free_creatures() else 0,
            "confirm_trade": 15 if self.open_trades(pid, "proposer", "offered") else 0,
            "cancel_trade": 1 if self.open_trades(pid) else 0,
        }

    # --- friends ---

    def _friend_request(self, sim, _open):
        pid = sim.player_id
        others = [s for s in self.sims if s is not sim]
        strangers = [s for s in others if _pair(pid, s.player_id) not in self.friendships
                     and (pid, s.player_id) not in self.requests and (s.player_id, pid) not in self.requests]
        target = self.rng.choice(strangers if strangers and self.rng.random() > MISTAKE else [*others, sim])
        tid = target.player_id
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", "/v1/friend-requests", {"trainer_code": self.codes[tid]},
                                    token=sim.token, key=key)
        code = self._record("friend_request", status, body, sim, target=tid)
        if status == 200:
            sim.ledger.keyed_200s.add(key)
            if target is sim or _pair(pid, tid) in self.friendships or (pid, tid) in self.requests \
                    or (tid, pid) in self.requests:
                sim.ledger._disagree("a friend request the model forbids", to=tid, key=key)
            if body["request_id"] != f"fq-{pid}.{tid}":
                sim.ledger._disagree("request id", told=body["request_id"])
            self.requests[(pid, tid)] = body["request_id"]
            return
        why = {
            "already_friends": _pair(pid, tid) not in self.friendships,
            "friend_request_exists": (pid, tid) not in self.requests,
            "friend_request_incoming": (tid, pid) not in self.requests,
            "own_trainer_code": target is not sim,
        }.get(code)
        if why:
            self._contradict("friend_request", f"{code}, but the model says otherwise", to=tid)

    def _answer_request(self, sim, _open):
        pid = sim.player_id
        pending = sorted(r for r in self.requests if pid in r)
        sender, receiver = self.rng.choice(pending)
        request_id = self.requests[(sender, receiver)]
        verb = ("accept" if self.rng.random() < 0.85 else "decline") if receiver == pid else "cancel"
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/friend-requests/{request_id}/{verb}", None,
                                    token=sim.token, key=key)
        code = self._record("answer_request", status, body, sim, target=request_id)
        if status == 200:
            sim.ledger.keyed_200s.add(key)
            del self.requests[(sender, receiver)]
            if verb == "accept":
                self.friendships[_pair(sender, receiver)] = {"days": 0, "last_day": -1, "gift_day": {}}
                if body["count"] != len(self.friends_of(pid)) or body["friend"]["player_id"] != sender:
                    sim.ledger._disagree("accept answer", told=body, friends=self.friends_of(pid))
            return
        if code == "friend_request_not_found":
            self._contradict("answer_request", "not found, but pending in the model", request=request_id)

    def _remove_friend(self, sim, _open):
        pid = sim.player_id
        friend = self.rng.choice(self.friends_of(pid))
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/me/friends/{friend}/remove", None,
                                    token=sim.token, key=key)
        code = self._record("remove_friend", status, body, sim, target=friend)
        if status == 200:
            sim.ledger.keyed_200s.add(key)
            del self.friendships[_pair(pid, friend)]
            if body["count"] != len(self.friends_of(pid)):
                sim.ledger._disagree("friend count after remove", told=body["count"],
                                     model=len(self.friends_of(pid)))
        elif code == "friend_not_found":
            self._contradict("remove_friend", "not found, but friends in the model", friend=friend)

    def _friends(self, sim, _open):
        status, body, _ = self.send("GET", "/v1/me/friends", token=sim.token)
        self._record("friends", status, body, sim)
        if status == 200:
            shown = {f["player_id"]: f["interaction_days"] for f in body["friends"]}
            model = {f: self.friendships[_pair(sim.player_id, f)]["days"]
                     for f in self.friends_of(sim.player_id)}
            if shown != model or body["count"] != len(model):
                sim.ledger._disagree("my friends page", told=body, model=model)

    # --- gifts ---

    def _gift_box(self, sim, _open):
        status, body, _ = self.send("GET", "/v1/me/gifts", token=sim.token)
        self._record("gift_box", status, body, sim)
        if status == 200:
            received = sorted(g["gift_id"] for g in body["received"])
            if body["bag"] != sim.ledger.gifts or received != self.unopened_to(sim.player_id):
                sim.ledger._disagree("my gifts page", told=body, bag=sim.ledger.gifts,
                                     unopened=self.unopened_to(sim.player_id))

    def _send_gift(self, sim, _open):
        pid = sim.player_id
        now = self.clock.now_ms()
        friends = self.friends_of(pid)
        fresh = [f for f in friends if self.friendships[_pair(pid, f)]["gift_day"].get(pid) != now // DAY_MS]
        friend = self.rng.choice(fresh if fresh and self.rng.random() > MISTAKE else friends)
        if self.rng.random() < MISTAKE / 2:  # a stranger: not_friends
            friend = self.rng.choice([s.player_id for s in self.sims])
        level_before = trainer_level(sim.ledger.xp)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/me/friends/{friend}/gifts", None,
                                    token=sim.token, key=key)
        code = self._record("send_gift", status, body, sim, target=friend)
        f = self.friendships.get(_pair(pid, friend))
        if status == 200:
            sent_ms = body["sent_ms"]
            day = sent_ms // DAY_MS
            if f is None or sim.ledger.gifts < 1 or f["gift_day"].get(pid) == day:
                sim.ledger._disagree("a gift the model forbids", to=friend, key=key)
                f = f or {"days": 0, "last_day": -1, "gift_day": {}}
            sim.ledger.send_gift(body, key, self.ctx.config.gift_send_xp)
            f["gift_day"][pid] = day
            self._interact(pid, friend, sent_ms)
            if body["friendship"]["interaction_days"] != f["days"]:
                sim.ledger._disagree("interaction days", told=body["friendship"], model=f["days"])
            gid = body["gift_id"]
            if gid != gift_id(pid, day) or (friend, gid) in self.gifts_sent:
                sim.ledger._disagree("gift id new and the sender's of the day", gift=gid)
            self.gifts_sent[(friend, gid)] = {
                "from": pid, "to": friend, "opened": 0,
                "items": gift_contents(self.ctx.keys.outcomes, pid, friend, level_before, sent_ms,
                                       self.ctx.config)}
            self.social["gifts_sent"] += 1
            return
        after = self.clock.now_ms()
        why = {
            "not_friends": f is not None,
            "no_gifts": sim.ledger.gifts >= 1,
            "gift_unopened": not any(g["from"] == pid and g["to"] == friend and not g["opened"]
                                     for g in self.gifts_sent.values()),
            "gift_already_sent": f is not None and f["gift_day"].get(pid) not in (now // DAY_MS, after // DAY_MS),
        }.get(code)
        if why:
            self._contradict("send_gift", f"{code}, but the model allows it", to=friend)

    def _open_gift(self, sim, _open):
        pid = sim.player_id
        waiting = self.unopened_to(pid)
        opened = sorted(g for (to, g), info in self.gifts_sent.items() if to == pid and info["opened"])
        if waiting and self.rng.random() > MISTAKE:
            gid = self.rng.choice(waiting)
        else:  # one already opened (or none at all): gift_not_found
            stranger = next(s.player_id for s in self.sims if s is not sim)
            gid = self.rng.choice(opened or waiting or [gift_id(stranger, 0)])
        info = self.gifts_sent.get((pid, gid))
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/me/gifts/{gid}/open", None, token=sim.token, key=key)
        code = self._record("open_gift", status, body, sim, target=gid)
        if status == 200:
            if info is None or info["opened"]:
                sim.ledger._disagree("a gift opened that was never sent, or opened again", gift=gid)
            if info is not None:
                info["opened"] += 1
                if body["items"] != info["items"]:
                    sim.ledger._disagree("gift contents != what its send fixed", gift=gid,
                                         told=body["items"], expected=info["items"])
            sim.ledger.open_gift(body, key)
            sender = body["from"]["player_id"]
            still_friends = _pair(pid, sender) in self.friendships
            if still_friends:
                self._interact(pid, sender, self.clock.now_ms())
            if (body["friendship"] is not None) != still_friends or (
                    still_friends and body["friendship"]["interaction_days"]
                    != self.friendships[_pair(pid, sender)]["days"]):
                sim.ledger._disagree("gift open friendship", told=body["friendship"])
            self.social["gifts_opened"] += 1
            self.social[("opened_on", pid, self.clock.now_ms() // DAY_MS)] += 1
            return
        capacity = self.ctx.config.bag_capacity
        why = {
            "gift_not_found": info is not None and not info["opened"],
            "bag_full": info is not None and sum(v for v in sim.ledger.items.values() if v > 0)
            + sum(info["items"].values()) <= capacity,
            "gift_open_limit": self.social[("opened_on", pid, self.clock.now_ms() // DAY_MS)]
            < self.ctx.config.gifts_opened_per_day,
        }.get(code)
        if why:
            self._contradict("open_gift", f"{code}, but the model allows it", gift=gid)

    # --- trades ---

    def _report_positions(self, *sims) -> None:
        """Both players keep the map open: their positions are fresh for the trade (a
        report less than ``FRESH_REPORT_MS`` old is not repeated: the map is the costliest
        read). Without faults: the map reads in background threads, which would draw from
        the seeded fault stream in thread order and make a seed no longer replay its run
        (the map's own faults are test_fault_injection.py's)."""
        for s in sims:
            before = self.clock.now_ms()
            if before - self.reported.get(s.player_id, -FRESH_REPORT_MS) < FRESH_REPORT_MS:
                continue
            enabled, self.injector.enabled = self.injector.enabled, False
            try:
                lat, lng = self.where(s, before)  # walking (egg_play.py)
                status, _, _ = self.send("GET", f"/v1/map?lat={lat}&lng={lng}", token=s.token)
            finally:
                self.injector.enabled = enabled
            self.social[f"map {status}"] += 1
            if status == 200:
                self.reported[s.player_id] = before  # stored at or after this
        self._trade_sent_ms = self.clock.now_ms()  # the trade step goes out now

    def _propose_trade(self, sim, _open):
        pid = sim.player_id
        mate = self.patch_mate(sim)
        friends = self.friends_of(pid)
        partner = mate if mate is not None and self.rng.random() > MISTAKE else \
            self.by_id[self.rng.choice(friends)] if friends else self.rng.choice(self.sims)
        tradable = self.tradable(sim)
        creature_id = self.rng.choice(tradable if tradable and self.rng.random() > MISTAKE
                                      else sim.ledger.free_creatures() + sorted(sim.ledger.defending)
                                      or ["cr-none"])
        self._report_positions(sim, partner)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", "/v1/trades",
                                    {"friend_id": partner.player_id, "creature_id": creature_id},
                                    token=sim.token, key=key)
        code = self._record("propose_trade", status, body, sim, target=creature_id)
        if status == 200:
            sim.ledger.keyed_200s.add(key)
            agreed = self._agreed(sim, creature_id)
            if agreed is None or creature_id in sim.ledger.traded \
                    or _pair(pid, partner.player_id) not in self.friendships:
                sim.ledger._disagree("a trade proposal the model forbids", creature=creature_id)
            if body["proposer_creature"]["id"] != creature_id or (agreed and (
                    body["proposer_creature"]["species"], body["proposer_creature"]["level"]) != agreed[1:]):
                sim.ledger._disagree("proposed creature", told=body["proposer_creature"], model=agreed)
            self.trades[body["trade_id"]] = {
                "proposer": pid, "receiver": partner.player_id, "status": "proposed",
                "proposer_creature": agreed, "receiver_creature": None,
                "expires_ms": body["expires_ms"]}
            self.social["trades_proposed"] += 1
            return
        self._trade_refusal("propose_trade", code, sim, partner, [creature_id], None, None)

    def _agreed(self, sim, creature_id):
        """(id, species, level) of a free creature of ``sim`` as the ledger knows it."""
        view = sim.ledger.creatures.get(creature_id)
        if view is None or creature_id in sim.ledger.defending:
            return None
        return creature_id, view[0], view[1]

    def _unchanged(self, owner_id: str, agreed) -> bool:
        ledger = self.by_id[owner_id].ledger
        return (agreed is not None and self._agreed(self.by_id[owner_id], agreed[0]) == agreed
                and agreed[0] not in ledger.traded)

    def _offer_trade(self, sim, _open):
        pid = sim.player_id
        trade_id = self.rng.choice(self.open_trades(pid, "receiver", "proposed"))
        trade = self.trades[trade_id]
        proposer = self.by_id[trade["proposer"]]
        tradable = self.tradable(sim)
        creature_id = self.rng.choice(tradable if tradable and self.rng.random() > MISTAKE
                                      else sim.ledger.free_creatures() or ["cr-none"])
        self._report_positions(sim, proposer)
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/trades/{trade_id}/offer", {"creature_id": creature_id},
                                    token=sim.token, key=key)
        # Not the creature as target: creature_defending may be about the proposer's creature
        # (deployed since it proposed); _trade_refusal checks both.
        code = self._record("offer_trade", status, body, sim, target=trade_id)
        agreed = self._agreed(sim, creature_id)
        if status == 200:
            sim.ledger.keyed_200s.add(key)
            if agreed is None or creature_id in sim.ledger.traded \
                    or not self._unchanged(proposer.player_id, trade["proposer_creature"]):
                sim.ledger._disagree("an offer the model forbids", trade=trade_id, creature=creature_id)
            trade["status"], trade["receiver_creature"] = "offered", agreed
            if agreed is not None and _pair(pid, proposer.player_id) in self.friendships:
                _, price = self.terms(pid, trade["proposer_creature"][1],
                                      self.friendship_level(pid, proposer.player_id))
                if body["stardust_cost"] != price:
                    sim.ledger._disagree("offer's stardust_cost != the cost table", trade=trade_id,
                                         told=body["stardust_cost"], table=price)
            return
        self._trade_refusal("offer_trade", code, sim, proposer, [creature_id], trade_id, agreed)

    def _confirm_trade(self, sim, _open):
        pid = sim.player_id
        trade_id = self.rng.choice(self.open_trades(pid, "proposer", "offered"))
        trade = self.trades[trade_id]
        receiver = self.by_id[trade["receiver"]]
        actor = sim if self.rng.random() > MISTAKE else receiver  # the receiver: wrong side
        self._report_positions(sim, receiver)
        now = self.clock.now_ms()
        key = actor.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/trades/{trade_id}/confirm", None,
                                    token=actor.token, key=key)
        code = self._record("confirm_trade", status, body, actor, target=trade_id)
        if status != 200:
            if code == "trade_wrong_side" and actor is sim:
                self._contradict("confirm_trade", "wrong side, but the proposer confirmed")
            self._trade_refusal("confirm_trade", code, sim, receiver, [], trade_id,
                                trade["receiver_creature"])
            return
        if actor is not sim or body["status"] != "completed":
            actor.ledger._disagree("a confirmation the model forbids", trade=trade_id, told=body)
            return
        done_ms = body["closed_ms"]
        day = done_ms // DAY_MS
        mine, theirs = trade["proposer_creature"], trade["receiver_creature"]
        if _pair(pid, receiver.player_id) not in self.friendships or not (
                self._unchanged(pid, mine) and self._unchanged(receiver.player_id, theirs)):
            sim.ledger._disagree("executed although the model says it can't", trade=trade_id,
                                 now=now)
        level = self.friendship_level(pid, receiver.player_id) \
            if _pair(pid, receiver.player_id) in self.friendships else 0
        # Each side's price by what they receive, from the ledgers before the exchange.
        expected = {pid: self.terms(pid, theirs[1], level), receiver.player_id: self.terms(
            receiver.player_id, mine[1], level)}
        status, seen, _ = self.send("GET", f"/v1/trades/{trade_id}", token=receiver.token)
        if status != 200:
            sim.ledger._disagree("the receiver can't see a completed trade", trade=trade_id, status=status)
            return
        for who, result, gave in ((sim, body["result"], mine[0]), (receiver, seen["result"], theirs[0])):
            special, price = expected[who.player_id]
            self.social["trade_stardust_table"] += price
            self.social["trade_stardust_told"] += result["stardust"]
            if (result["stardust"], result["special"]) != (price, special):
                who.ledger._disagree("trade stardust != the cost table", trade=trade_id,
                                     told=(result["stardust"], result["special"]),
                                     table=(price, special), friendship_level=level)
            who.ledger.trade(gave, result, key if who is sim else None)
            self._count_trade(who.player_id, result["special"], day)
        if body["result"]["received"]["id"] != theirs[0] or seen["result"]["received"]["id"] != mine[0]:
            sim.ledger._disagree("the creatures didn't swap", trade=trade_id)
        self._interact(pid, receiver.player_id, done_ms)
        trade["status"] = "completed"
        self.social["trades_completed"] += 1
        self.social["trades_special"] += sum(r["special"] for r in (body["result"], seen["result"]))

    def _cancel_trade(self, sim, _open):
        pid = sim.player_id
        open_ = self.open_trades(pid)
        closed = sorted(t for t, tr in self.trades.items() if tr["status"] not in OPEN
                        and pid in (tr["proposer"], tr["receiver"]))
        trade_id = self.rng.choice(open_ if open_ and (not closed or self.rng.random() > MISTAKE) else closed)
        trade = self.trades[trade_id]
        key = sim.next_key(self.number)
        status, body, _ = self.send("POST", f"/v1/trades/{trade_id}/cancel", None,
                                    token=sim.token, key=key)
        code = self._record("cancel_trade", status, body, sim, target=trade_id)
        if status == 200:
            sim.ledger.keyed_200s.add(key)
            if trade["status"] not in OPEN:
                sim.ledger._disagree("cancelled a closed trade", trade=trade_id, model=trade["status"])
            trade["status"] = "cancelled"
            self.social["trades_cancelled"] += 1
            return
        if code in ("trade_completed", "trade_cancelled") and trade["status"] != code.split("_")[1]:
            self._contradict("cancel_trade", f"{code}, but the trade is {trade['status']}")

    def _caps_allow_both(self, trade, offered, before_ms: int, after_ms: int) -> bool:
        """Whether the ledgers say both sides can pay for and count this exchange."""
        proposer, receiver = trade["proposer"], trade["receiver"]
        if offered is None or trade["proposer_creature"] is None or before_ms // DAY_MS != after_ms // DAY_MS \
                or _pair(proposer, receiver) not in self.friendships:
            return False
        level = self.friendship_level(proposer, receiver)
        day = after_ms // DAY_MS
        return (self.caps_allow(proposer, *self.terms(proposer, offered[1], level), day)
                and self.caps_allow(receiver, *self.terms(receiver, trade["proposer_creature"][1], level), day))

    def _trade_refusal(self, kind, code, sim, partner, creature_ids, trade_id, offered) -> None:
        """A refusal of a trade step the model says was allowed. ``offered``: the
        receiver's creature (id, species, level), when known."""
        pid = sim.player_id
        trade = self.trades.get(trade_id) if trade_id else None
        now = self.clock.now_ms()
        agreed = [(t, o) for t, o in ((trade["proposer_creature"], trade["proposer"]),
                                      (offered, trade["receiver"])) if t is not None] if trade else []
        payable = trade is not None and self._caps_allow_both(trade, offered, self._trade_sent_ms, now)
        why = {
            "creature_defending": not any(c in sim.ledger.defending for c in creature_ids) and not any(
                t[0] in self.by_id[o].ledger.defending for t, o in agreed),
            "trade_creature_busy": not any(t[0] in self.by_id[o].ledger.defending for t, o in agreed),
            "not_enough_stardust": payable, "special_trade_limit": payable, "trade_limit": payable,
            "not_friends": _pair(pid, partner.player_id) in self.friendships,
            "creature_not_found": any(c in sim.ledger.creatures for c in creature_ids),
            "creature_already_traded": not any(c in sim.ledger.traded for c in creature_ids),
            "trade_too_far": partner.home == sim.home,
            "trade_completed": trade is not None and trade["status"] != "completed",
            "trade_cancelled": trade is not None and trade["status"] != "cancelled",
            "trade_expired": trade is not None and trade["expires_ms"] > now,
            "trade_creature_gone": trade is not None and all(
                t is None or t[0] in self.by_id[o].ledger.creatures
                for t, o in ((trade["proposer_creature"], trade["proposer"]),
                             (trade["receiver_creature"], trade["receiver"]))),
            "trade_creature_changed": trade is not None and all(
                t is None or self._unchanged(o, t) or t[0] not in self.by_id[o].ledger.creatures
                for t, o in ((trade["proposer_creature"], trade["proposer"]),
                             (trade["receiver_creature"], trade["receiver"]))),
            "level_too_low": True, "friend_level_too_low": True,
        }.get(code)
        if why:
            self._contradict(kind, f"{code}, but the model allows it", trade=trade_id,
                             creatures=creature_ids, model=trade)

    # --- checks ---

    def verify_social(self, store) -> dict:
        """What the stored friend books, gift inboxes, trades and creature owners
        contradict (faults off); and the figures of the session's social play."""
        problems = []
        books = {s.player_id: store.friend_book(s.player_id) for s in self.sims}
        for pid, book in books.items():
            sides = {f.friend_id: f for f in book.friends}
            model = {f: self.friendships[_pair(pid, f)]["days"] for f in self.friends_of(pid)}
            stored = {f: side.days for f, side in sides.items()}
            if stored != model or book.count != len(book.friends):
                problems.append({"what": "friend book != the model (or its count != its sides)",
                                 "player": pid, "stored": stored, "count": book.count, "model": model})
            for friend, side in sides.items():
                mirror = {f.friend_id: f for f in books[friend].friends}.get(pid) if friend in books else None
                if mirror is None or mirror.days != side.days or mirror.last_day != side.last_day:
                    problems.append({"what": "a friendship side without its mirror (or they differ)",
                                     "player": pid, "friend": friend})
            pending = ({(r.from_id, r.to_id) for r in book.incoming}
                       | {(r.from_id, r.to_id) for r in book.outgoing})
            if pending != {r for r in self.requests if pid in r}:
                problems.append({"what": "pending requests != the model", "player": pid,
                                 "stored": sorted(pending), "model": sorted(r for r in self.requests if pid in r)})
            inbox = sorted(g.gift_id for g in store.gifts(pid))
            if inbox != self.unopened_to(pid):
                problems.append({"what": "gift inbox != gifts sent and not opened", "player": pid,
                                 "stored": inbox, "model": self.unopened_to(pid)})
            links = sorted(store.trade_links(pid))
            if links != self.open_trades(pid):
                problems.append({"what": "trade links != the open trades", "player": pid,
                                 "stored": links, "model": self.open_trades(pid)})
        twice = [g for g, info in self.gifts_sent.items() if info["opened"] > 1]
        if twice:
            problems.append({"what": "gifts opened more than once", "gifts": twice})
        for trade_id, trade in sorted(self.trades.items()):
            stored = store.get_trade(trade_id)
            if stored is None or stored.status != trade["status"]:
                problems.append({"what": "stored trade != the answers", "trade": trade_id,
                                 "stored": stored and stored.status, "model": trade["status"]})
        # Creatures: every id has exactly one owner, the one the ledgers say.
        stored_owner, ledger_owner, traded = {}, {}, set()
        for sim in self.sims:
            after = None
            while True:
                page, after = store.list_creatures(sim.player_id, 50, after)
                for c in page:
                    if c.creature_id in stored_owner:
                        problems.append({"what": "a creature stored under two owners",
                                         "creature": c.creature_id})
                    stored_owner[c.creature_id] = sim.player_id
                    if c.traded_ms:
                        traded.add(c.creature_id)
                if after is None:
                    break
            for creature_id in sim.ledger.creatures:
                ledger_owner[creature_id] = sim.player_id
        if stored_owner != ledger_owner:
            problems.append({"what": "creature owners != the ledgers",
                             "stored_only": sorted(set(stored_owner) - set(ledger_owner))[:10],
                             "ledger_only": sorted(set(ledger_owner) - set(stored_owner))[:10],
                             "moved": sorted(c for c in set(stored_owner) & set(ledger_owner)
                                             if stored_owner[c] != ledger_owner[c])[:10]})
        told_traded = {c for s in self.sims for c in s.ledger.traded if c in s.ledger.creatures}
        if traded != told_traded:
            problems.append({"what": "creatures marked traded != those received in trades",
                             "stored": sorted(traded), "told": sorted(told_traded)})
        if self.social["trade_stardust_told"] != self.social["trade_stardust_table"]:
            problems.append({"what": "trade stardust told != the cost table",
                             "told": self.social["trade_stardust_told"],
                             "table": self.social["trade_stardust_table"]})
        return {"problems": problems, "figures": {k: v for k, v in self.social.items()
                                                  if isinstance(k, str)}}
