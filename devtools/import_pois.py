"""Import curated stops and gyms from a GeoJSON FeatureCollection of Point features.

    python -m devtools.import_pois pois.geojson --stage dev [--endpoint-url URL]

Each feature needs ``properties.name``; ``kind`` is "stop" (default) or "gym"; ``id``
is optional (else derived from the name). Re-importing a POI with the same id replaces
it. Works against AWS (default credentials), a moto server or LocalStack.
"""
import argparse
import json
import os
import sys

from geocritters.adapters.dynamodb import DynamoGameStore
from geocritters.adapters.models import bind_tables
from geocritters.game.errors import InvalidInput
from geocritters.game.world import parse_geojson_pois
from geocritters.usecases.curated import import_pois
from infra import SECRET_ENV_VAR, secret_name, tables


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("geojson")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--endpoint-url", help="e.g. the moto server of make run")
    args = parser.parse_args(argv)
    if args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    with open(args.geojson, encoding="utf-8") as handle:
        document = json.load(handle)
    try:
        forts = parse_geojson_pois(document)
    except InvalidInput as error:
        print(f"{args.geojson}: {error.message}", file=sys.stderr)
        return 2
    os.environ.update({info.env_var: info.table_name(args.stage) for info in tables().values()})
    os.environ[SECRET_ENV_VAR] = secret_name(args.stage)
    from geocritters.settings import load_settings

    settings = load_settings()
    bind_tables(settings)
    counts = import_pois(DynamoGameStore(settings.region), forts)
    print(f"imported {len(forts)} POIs into {len(counts)} cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
