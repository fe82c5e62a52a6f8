"""Write the printed GraphQL schema (SDL) to tests/api/schema.graphql.

Run it after changing any GraphQL type, field or description, and commit
the result with the change:

    .venv/bin/python scripts/update_schema_snapshot.py

`tests/api/test_schema.py` fails while the snapshot differs from the schema.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "api" / "schema.graphql"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from api.schema import build_schema

    SNAPSHOT.write_text(str(build_schema()) + "\n", encoding="utf-8")
    print(f"Wrote {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
