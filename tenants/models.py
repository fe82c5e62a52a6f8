"""Workspaces, their domains and API keys. All live in the public schema."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Scope(models.TextChoices):
    INGEST = "ingest", "Ingest conversations and CSAT"
    READ = "read", "Read scores, trends and submit QA reviews"
    CONFIG = "config", "Change scoring configuration and start rescoring"
    REVIEW = "review", "Submit QA reviews"


SLUG_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9_]{1,49}$",
    "Use 2 to 50 characters: lowercase letters, digits and underscores, starting with a letter.",
)


class Workspace(TenantMixin):
    """A customer of the service. Its data lives in the PostgreSQL schema named after its slug."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["schema_name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.schema_name})"

    @property
    def slug(self) -> str:
        return self.schema_name


class Domain(DomainMixin):
    """A host name that opens a workspace's admin in a browser."""

    def __str__(self) -> str:
        return self.domain


class ApiKey(models.Model):
    """A bearer token for the GraphQL API, stored only as its SHA-256 digest.

    Keys are 32 random bytes, so a fast digest is as safe as a slow password
    hash here and keeps per-request authentication cheap.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True, help_text="First characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=20, choices=Scope.choices))
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.workspace.schema_name})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
