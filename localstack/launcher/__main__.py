"""``python -m localstack.launcher ...`` (from the project root)."""
import sys

from .cli import main

sys.exit(main())
