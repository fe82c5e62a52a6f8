"""Scores, per-message sentiment, scoring configuration versions and rescoring runs.

These models live in each workspace's schema. Scores are never updated in
place: a new configuration, rules or model version adds a new row and moves
the conversation's `latest_score` pointer, so history stays comparable.
"""

from __future__ import annotations

from django.db import models

from scoring.engine.types import Outcome, ProgressLevel, Rating, SentimentLabel, SentimentTrend


class ScoringConfigVersion(models.Model):
    """One saved version of the workspace's scoring configuration (the engine's config dict)."""

    version = models.PositiveIntegerField(unique=True)
    values = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class Score(models.Model):
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="scores")
    # Identifies content + config + scorer + rules + model; a re-delivered job finds the row and adds nothing.
    scoring_key = models.CharField(max_length=64)
    config_version = models.PositiveIntegerField()
    scorer_version = models.CharField(max_length=40)
    rules_version = models.CharField(max_length=40)
    model_version = models.CharField(max_length=120)
    content_hash = models.CharField(max_length=64)

    overall = models.FloatField(null=True, blank=True)
    rating = models.CharField(max_length=20, choices=[(r.value, r.value) for r in Rating], null=True, blank=True)
    resolution = models.FloatField(null=True, blank=True)
    efficiency = models.FloatField(null=True, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    confidence = models.FloatField()
    outcome = models.CharField(max_length=20, choices=[(o.value, o.value) for o in Outcome])
    progress_level = models.CharField(
        max_length=30, choices=[(p.value, p.value) for p in ProgressLevel], null=True, blank=True
    )
    sentiment_trend = models.CharField(
        max_length=20, choices=[(t.value, t.value) for t in SentimentTrend], null=True, blank=True
    )
    insufficient_data = models.BooleanField(default=False)
    signals = models.JSONField(default=list)
    summary = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "scoring_key"], name="score_unique_per_version"),
        ]
        indexes = [models.Index(fields=["created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.overall} {self.rating}"


class MessageSentiment(models.Model):
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="sentiments")
    model_version = models.CharField(max_length=120)
    label = models.CharField(max_length=20, choices=[(s.value, s.value) for s in SentimentLabel])
    value = models.FloatField()
    confidence = models.FloatField()
    scorable = models.BooleanField(default=True)
    truncated = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "model_version"], name="sentiment_unique_per_model"),
        ]


class RescoreRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    config_version = models.PositiveIntegerField()
    filters = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def pending(self) -> int:
        return max(self.total - self.done - self.failed, 0)


class RescoreItem(models.Model):
    """The outcome of one conversation in a rescoring run.

    The unique (run, conversation) pair makes a re-delivered job count once,
    so the run's done and failed counters stay exact.
    """

    class Outcome(models.TextChoices):
        DONE = "done"
        FAILED = "failed"

    run = models.ForeignKey(RescoreRun, on_delete=models.CASCADE, related_name="items")
    # A plain id: a conversation deleted during the run still counts as failed.
    conversation_id = models.BigIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "conversation_id"], name="rescore_item_unique_per_run"),
        ]
