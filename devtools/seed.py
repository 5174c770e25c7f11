"""Give a player of the local dev server (``make run``) a team, XP, items, stardust,
gifts and strong creatures, written straight into its embedded AWS: gyms, raids and
trades can then be tried by hand (or by a scripted session) without levelling up first.
Never for a deployed stage.

    python -m devtools.seed --aws-url http://127.0.0.1:4510 --player pl-... \\
        --team blue --xp 10000 --item raid_pass=1 --creatures 6 --level 35
    python -m devtools.seed --player pl-... --xp 45000 --stardust 50000 --gifts 1 --creatures 1
    python -m devtools.seed --player pl-... --egg 2
"""
import argparse
import json
import os
import sys
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seed(player_id: str, *, team: str | None, xp: int, items: dict, creatures: int,
         level: float, first_species: int, stardust: int | None = None,
         gifts: int | None = None, eggs: tuple[int, ...] = (),
         clear_eggs: bool = False) -> tuple[list[str], list[str]]:
    """The player edited in the store the running server uses; the new creatures' and
    eggs' ids."""
    from geocritters import bootstrap
    from geocritters.game.config import DEFAULT_CONFIG
    from geocritters.game.eggs import Egg, egg_pool
    from geocritters.game.entities import Creature
    from geocritters.game.species import species
    from geocritters.game.stats import IVs, combat_power
    from geocritters.usecases.ports import AddCreature, SavePlayer

    store = bootstrap.game_context().store
    state = store.get_player(player_id)
    if state is None:
        raise SystemExit(f"no player {player_id}: log in first")
    # Held eggs, not yet incubating, of a species their distance hatches; never more than
    # the bag holds (clear_eggs first drops those not incubating).
    kept = {k: e for k, e in state.eggs.items() if e.incubator or not clear_eggs}
    new_eggs = {f"eg-{1_700_000_000_000:013d}-{uuid.uuid4().hex[:16]}": km for km in eggs}
    held = {egg_id: Egg(egg_id, km, egg_pool(km, DEFAULT_CONFIG)[0].id, 1_700_000_000_000)
            for egg_id, km in new_eggs.items()}
    if len(kept) + len(held) > DEFAULT_CONFIG.egg_limit:
        raise SystemExit(f"{player_id} would hold more than {DEFAULT_CONFIG.egg_limit} eggs "
                         "(--clear-eggs drops those not incubating)")
    store.commit([SavePlayer(replace(
        state, team=team or state.team, xp=max(state.xp, xp), items={**state.items, **items},
        stardust=state.stardust if stardust is None else stardust,
        gifts=state.gifts if gifts is None else gifts, eggs={**kept, **held}))])
    made = []
    for n in range(creatures):
        kind = species(first_species + n)
        ivs = IVs(15, 15, 15)
        # Unique across players too: a trade moves a creature, id and all, to the friend.
        creature_id = f"cr-{1_700_000_000_000 + n:013d}-seed{player_id[3:9]}{n:04d}"
        creature = Creature(player_id, creature_id, kind.id,
                            level, combat_power(kind, level, ivs), ivs, 1_700_000_000_000 + n,
                            f"en-seed-{n}")
        store.commit([AddCreature(creature)])
        made.append(creature.creature_id)
    return made, list(new_eggs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aws-url", default="http://127.0.0.1:4510")
    parser.add_argument("--player", required=True)
    parser.add_argument("--team", choices=("blue", "red", "yellow"))
    parser.add_argument("--xp", type=int, default=0)
    parser.add_argument("--item", action="append", default=[], metavar="NAME=COUNT")
    parser.add_argument("--creatures", type=int, default=0)
    parser.add_argument("--level", type=float, default=35.0)
    parser.add_argument("--first-species", type=int, default=30)
    parser.add_argument("--stardust", type=int, help="set the player's stardust")
    parser.add_argument("--gifts", type=int, help="set the unsent gifts in the gift bag")
    parser.add_argument("--egg", type=int, action="append", default=[], metavar="KM",
                        help="add a held egg of this distance (2, 5, 7 or 10); repeatable")
    parser.add_argument("--clear-eggs", action="store_true",
                        help="first drop the held eggs that are not incubating")
    args = parser.parse_args(argv)

    from devtools.run_local import configure_environment

    configure_environment(args.aws_url)
    sys.path.insert(0, str(ROOT))
    from infra.provision import provision

    os.environ.update(provision("dev"))  # the dev stage's names (the tables exist already)
    items = {name: int(count) for name, _, count in (i.partition("=") for i in args.item)}
    made, eggs = seed(args.player, team=args.team, xp=args.xp, items=items, creatures=args.creatures,
                      level=args.level, first_species=args.first_species, stardust=args.stardust,
                      gifts=args.gifts, eggs=tuple(args.egg),
                      clear_eggs=args.clear_eggs)
    print(json.dumps({"player": args.player, "creatures": made, "eggs": eggs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
