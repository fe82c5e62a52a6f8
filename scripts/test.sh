#!/usr/bin/env bash
# The test command: install what is missing, make sure PostgreSQL is up, run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
scripts/ensure_services.sh
exec .venv/bin/python -m pytest "$@"
