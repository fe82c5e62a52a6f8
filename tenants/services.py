"""Workspace and API key operations. Commands, admin and tests all go through these."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.utils import timezone

from tenants.models import SLUG_VALIDATOR, ApiKey, Domain, Scope, Workspace

KEY_PREFIX = "aixs_"
# Stored and listed prefixes: "aixs_" plus the first six characters of the random part.
PREFIX_LENGTH = len(KEY_PREFIX) + 6
_KEY_PATTERN = re.compile(r"^aixs_[A-Za-z0-9_-]{43}$")
VALID_SCOPES = tuple(scope.value for scope in Scope)


class WorkspaceError(ValueError):
    """A workspace or key operation was given an invalid value."""


@dataclass(frozen=True)
class IssuedKey:
    """A newly created key. `secret` is shown once and never stored."""

    api_key: ApiKey
    secret: str


def create_workspace(slug: str, name: str, domain: str | None = None) -> Workspace:
    """Create a workspace, its schema (migrated) and optionally its admin domain."""
    try:
        SLUG_VALIDATOR(slug)
    except Exception as error:  # django's ValidationError
        raise WorkspaceError(f"Invalid workspace slug {slug!r}: {error.messages[0]}") from None
    if slug == "public":
        raise WorkspaceError("The slug 'public' is reserved. Choose another slug.")
    if Workspace.objects.filter(schema_name=slug).exists():
        raise WorkspaceError(f"A workspace with slug {slug!r} already exists.")
    if domain and Domain.objects.filter(domain=domain).exists():
        raise WorkspaceError(f"The domain {domain!r} already belongs to a workspace.")
    workspace = Workspace(schema_name=slug, name=name or slug)
    workspace.save()  # creates and migrates the schema
    if domain:
        Domain.objects.create(domain=domain, tenant=workspace, is_primary=True)
    return workspace


def parse_scopes(text: str | list[str]) -> list[str]:
    items = text.split(",") if isinstance(text, str) else text
    scopes = sorted({item.strip() for item in items if item.strip()})
    if not scopes:
        raise WorkspaceError(f"No scopes given. Use a comma-separated list of: {', '.join(VALID_SCOPES)}.")
    unknown = [scope for scope in scopes if scope not in VALID_SCOPES]
    if unknown:
        raise WorkspaceError(f"Unknown scope {unknown[0]!r}. Use any of: {', '.join(VALID_SCOPES)}.")
    return scopes


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(workspace: Workspace, scopes: list[str], name: str = "") -> IssuedKey:
    scopes = parse_scopes(scopes)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        workspace=workspace,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_key(secret),
        scopes=scopes,
    )
    return IssuedKey(api_key=api_key, secret=secret)


def revoke_api_key(api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


class KeyProblem:
    MISSING = "missing"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    REVOKED = "revoked"


KEY_PROBLEM_MESSAGES = {
    KeyProblem.MISSING: "No API key. Send it as 'Authorization: Bearer <key>'.",
    KeyProblem.MALFORMED: "The API key is malformed. Send 'Authorization: Bearer aixs_...' with the key as it was issued.",
    KeyProblem.UNKNOWN: "The API key is not known. Check it, or create a new one.",
    KeyProblem.REVOKED: "The API key was revoked. Create a new one.",
}


class KeyRejected(Exception):
    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(KEY_PROBLEM_MESSAGES[problem])


def extract_bearer(header: str | None) -> str:
    """Return the key from an `Authorization` header value, or raise KeyRejected."""
    if header is None or not header.strip():
        raise KeyRejected(KeyProblem.MISSING)
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise KeyRejected(KeyProblem.MALFORMED)
    return token.strip()


def authenticate_key(secret: str) -> ApiKey:
    """Return the live key for a secret (with its workspace), or raise KeyRejected.

    Reads only the public schema, so it is safe whatever schema the connection is on.
    """
    if not _KEY_PATTERN.match(secret):
        raise KeyRejected(KeyProblem.MALFORMED)
    api_key = ApiKey.objects.select_related("workspace").filter(key_hash=hash_key(secret)).first()
    if api_key is None:
        raise KeyRejected(KeyProblem.UNKNOWN)
    if api_key.is_revoked:
        raise KeyRejected(KeyProblem.REVOKED)
    now = timezone.now()
    # One write per minute per key is enough for "last used" and keeps reads cheap.
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
