"""Readable names for generated forts: "<adjective> <noun>", the noun by kind."""
from __future__ import annotations

from ..randomness import KeyedRng

ADJECTIVES = (
    "Mossy", "Old", "Hidden", "Sunny", "Quiet", "Painted", "Crooked", "Golden", "Silver",
    "Rusty", "Windy", "Little", "Grand", "Forgotten", "Lucky", "Shady", "Bright", "Stone",
    "Copper", "Misty", "Whispering", "Broken", "Twin", "Northern", "Southern", "Eastern",
    "Western", "Crimson", "Velvet", "Amber", "Ivory", "Humble", "Jolly", "Sleepy", "Brave",
    "Curious", "Ancient", "Hollow", "Green", "Blue", "Sandy", "Frosty", "Starry", "Marble",
    "Wooden", "Lonely", "Merry", "Secret",
)
STOP_NOUNS = (
    "Fountain", "Clock Tower", "Bench", "Mural", "Statue", "Gate", "Bridge", "Well",
    "Lamp Post", "Garden", "Bandstand", "Mailbox", "Signpost", "Arch", "Sundial", "Kiosk",
    "Playground", "Pavilion", "Stairway", "Mosaic", "Totem", "Lantern", "Birdhouse",
    "Chapel", "Plaque", "Obelisk", "Footpath", "Pond", "Orchard", "Windmill", "Boathouse",
    "Gazebo", "Library", "Bakery", "Market Stall", "Water Tower", "Lighthouse", "Courtyard",
    "Tree Stump", "Flower Bed", "Weathervane", "Bell", "Steps", "Milestone", "Railway Crossing",
    "Bus Shelter", "Sculpture", "Grotto",
)
GYM_NOUNS = (
    "Tower", "Hall", "Monument", "Arena", "Citadel", "Cathedral", "Stadium", "Fortress",
    "Observatory", "Town Hall", "Castle", "Amphitheatre", "Colosseum", "Palace", "Keep",
    "Temple",
)


def fort_name(rng: KeyedRng, kind: str) -> str:
    """Two draws, adjective first: the order is part of the pinned world."""
    # The word lists are pinned too: a list changed in length or order renames forts.
    adjective = ADJECTIVES[rng.below(len(ADJECTIVES))]
    nouns = GYM_NOUNS if kind == "gym" else STOP_NOUNS
    return f"{adjective} {nouns[rng.below(len(nouns))]}"
