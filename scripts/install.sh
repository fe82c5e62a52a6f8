#!/usr/bin/env bash
# Create .venv and install the project with everything it needs, when missing.
# Re-running is cheap: a stamp file records the pyproject.toml it installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"

if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv" >&2
    "$PYTHON" -m venv .venv
fi
if [ -f "$stamp" ]; then
    exit 0
fi

echo "Installing Python packages into .venv (first run takes a few minutes)" >&2
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and pinned: an unpinned torch, pulled in by flair, is a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[dev,embedded]"
rm -f .venv/.installed-*
touch "$stamp"
echo "Installed." >&2
