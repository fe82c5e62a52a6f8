"""Typed access to environment variables.

Every setting the service reads from the environment goes through these
helpers, so a missing or invalid value fails at start-up with the variable's
name and the expected form instead of surfacing later as an obscure error.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dotenv import load_dotenv

# A `.env` file in the project root fills in variables that the environment
# does not set; real environment variables always win.
load_dotenv(Path(__file__).resolve().parent.parent / ".env", override=False)


class ImproperlyConfiguredEnv(Exception):
    """An environment variable is missing or has an invalid value."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


def env_str(name: str, default: str | object = _MISSING) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfiguredEnv(f"Environment variable {name} is missing. Set it (see .env.example).")
        return default  # type: ignore[return-value]
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfiguredEnv(f"Environment variable {name}={value!r} is not a boolean. Use true or false.")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"Environment variable {name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfiguredEnv(f"Environment variable {name}={number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfiguredEnv(
            f"Environment variable {name}={value!r} is invalid. Use one of: {', '.join(choices)}."
        )
    return value


def parse_database_url(name: str, default: str) -> dict:
    """Turn `postgresql://user:password@host:port/dbname` into Django's DATABASES entry."""
    url = os.environ.get(name, default)
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfiguredEnv(
            f"Environment variable {name} must be a postgresql:// URL, got scheme {parts.scheme!r}."
        )
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ImproperlyConfiguredEnv(f"Environment variable {name} has no database name: {url!r}.")
    return {
        "NAME": database,
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
    }
