"""pytest plugin loaded before Django settings: test defaults for the environment.

Loaded with `-p tests.environment` (see pyproject.toml), because pytest-django
reads the settings before any conftest.py runs.
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DRAMATIQ_STUB_BROKER", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")
