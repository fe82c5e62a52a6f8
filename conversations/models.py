"""Conversations as the support platform sent them, with CSAT and manual QA reviews.

These models live in each workspace's schema.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from scoring.engine.types import Channel, OutcomeHint, Rating, Role


class ScoringStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be scored"
    SCORED = "scored", "Scored"
    FAILED = "failed", "Scoring failed"


class Conversation(models.Model):
    external_id = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=20, choices=[(c.value, c.value) for c in Channel], default=Channel.CHAT)
    ai_agent = models.CharField(max_length=200, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    customer_ref = models.CharField(max_length=200, blank=True, default="")
    language = models.CharField(max_length=35, blank=True, default="")
    tags = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    outcome_hint = models.CharField(
        max_length=20, choices=[(o.value, o.value) for o in OutcomeHint], blank=True, default=""
    )
    message_count = models.PositiveIntegerField(default=0)
    # SHA-256 of the canonical input; an unchanged re-send matches and is not re-scored.
    content_hash = models.CharField(max_length=64)

    csat_rating = models.FloatField(null=True, blank=True)
    csat_scale = models.PositiveSmallIntegerField(null=True, blank=True)
    csat_comment = models.TextField(blank=True, default="")
    csat_submitted_at = models.DateTimeField(null=True, blank=True)

    scoring_status = models.CharField(max_length=20, choices=ScoringStatus.choices, default=ScoringStatus.PENDING)
    scoring_error = models.TextField(blank=True, default="")
    scoring_failed_at = models.DateTimeField(null=True, blank=True)
    latest_score = models.ForeignKey(
        "scoring.Score", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["started_at", "id"]),
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["channel"]),
            models.Index(fields=["ai_agent"]),
            models.Index(fields=["scoring_status"]),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def csat_normalized(self) -> float | None:
        """CSAT on 0..1, so ratings on different scales compare."""
        if self.csat_rating is None or not self.csat_scale or self.csat_scale <= 1:
            return None
        return (self.csat_rating - 1) / (self.csat_scale - 1)


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField()
    role = models.CharField(max_length=20, choices=[(r.value, r.value) for r in Role])
    text = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["conversation_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "position"], name="message_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.position} {self.role}"


class QaReview(models.Model):
    """A manual quality review, stored beside the AI score; it never changes the score."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="qa_reviews")
    reviewer = models.CharField(max_length=200)
    rating = models.CharField(max_length=20, choices=[(r.value, r.value) for r in Rating])
    score = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "QA review"

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.rating}"
