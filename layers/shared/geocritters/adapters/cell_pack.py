"""The stored form of a curated cell: every fort of one geohash-6 cell, packed into one
compact binary attribute.

Why packed: a map request reads the cells its 300 m circle touches (two on average), and
DynamoDB charges a read per 4 KB of each item. As JSON a fort costs ~115 bytes, so a
city cell of ~150 forts is ~17 KB = 2.5 read units; packed it is ~2.5 KB = 0.5. The same
packing keeps a festival-density cell far below DynamoDB's 400 KB item limit.

Layout (version 1) = one version byte, then zlib of:
  uint32 n
  n x int32 latitude, then n x int32 longitude, in units of 1e-7 degree (~1.1 cm,
      world.COORDINATE_DECIMALS: curated coordinates are stored at that precision)
  n bytes kind (0 stop, 1 gym)
  UTF-8 JSON [names, slugs], where a slug is "" when it is world.slugify(name), the
      common case (ids derived from the name); only explicit ids are spelled out.
Columns compress better than rows (coordinates of one cell share their high bytes).
Forts are sorted by id, so the same set always packs to the same bytes.
"""
from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable

from ..game.errors import InvalidInput
from ..game.world import COORDINATE_DECIMALS, CURATED_ID_PREFIX, Fort, curated_cell, slugify

FORMAT_VERSION = 1
_SCALE = 10 ** COORDINATE_DECIMALS
_KINDS = ("stop", "gym")
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}

# DynamoDB's item limit is 400 KB (409,600 bytes) including attribute names and the key;
# leave room for those and refuse a denser cell at import rather than fail half-way.
MAX_PACKED_BYTES = 400_000


class CellTooDense(InvalidInput):
    def __init__(self, cell: str, forts: int, size: int):
        super().__init__(
            f"cell {cell} would hold {forts} curated forts ({size:,} bytes packed), over the "
            f"{MAX_PACKED_BYTES:,}-byte limit of one DynamoDB item: thin out this area",
            code="cell_too_dense",
        )


def pack(cell: str, forts: Iterable[Fort]) -> bytes:
    ordered = sorted(forts, key=lambda f: f.id)
    prefix = f"{CURATED_ID_PREFIX}{cell}-"
    names, slugs = [], []
    for fort in ordered:
        if curated_cell(fort.id) != cell:
            raise ValueError(f"{fort.id} is not filed under cell {cell}")
        slug = fort.id[len(prefix):]
        names.append(fort.name)
        slugs.append("" if slug == slugify(fort.name) else slug)
    n = len(ordered)
    body = b"".join((
        struct.pack(f"<I{n}i{n}i", n, *(round(f.lat * _SCALE) for f in ordered),
                    *(round(f.lng * _SCALE) for f in ordered)),
        bytes(_KIND_CODE[f.kind] for f in ordered),
        json.dumps([names, slugs], ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    ))
    packed = bytes((FORMAT_VERSION,)) + zlib.compress(body, 9)
    if len(packed) > MAX_PACKED_BYTES:
        raise CellTooDense(cell, n, len(packed))
    return packed


def unpack(cell: str, packed: bytes) -> list[Fort]:
    if not packed or packed[0] != FORMAT_VERSION:
        raise ValueError(f"cell {cell}: unknown packing version {packed[:1]!r}")
    body = zlib.decompress(packed[1:])
    (n,) = struct.unpack_from("<I", body)
    coordinates = struct.unpack_from(f"<{2 * n}i", body, 4)
    kinds_at = 4 + 8 * n
    kinds = body[kinds_at:kinds_at + n]
    names, slugs = json.loads(body[kinds_at + n:].decode("utf-8"))
    prefix = f"{CURATED_ID_PREFIX}{cell}-"
    return [
        Fort(id=prefix + (slugs[i] or slugify(names[i])), kind=_KINDS[kinds[i]], name=names[i],
             lat=coordinates[i] / _SCALE, lng=coordinates[n + i] / _SCALE)
        for i in range(n)
    ]
