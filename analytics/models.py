"""Pre-aggregates behind the `trends` query.

`ConversationFact` stores each conversation's current contribution (its
dimensions and measures), and `HourlyRollup` sums those contributions per
UTC hour and dimension value. A change to a conversation subtracts its old
fact from the rollup and adds the new one inside the same transaction, so
rescoring, late CSAT and re-ingested content all keep the sums exact.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class Measures(models.Model):
    """Additive measures shared by facts (one conversation) and rollups (sums of facts)."""

    conversations = models.IntegerField(default=0)
    scored = models.IntegerField(default=0)
    overall_sum = models.FloatField(default=0)
    overall_count = models.IntegerField(default=0)
    resolution_sum = models.FloatField(default=0)
    resolution_count = models.IntegerField(default=0)
    efficiency_sum = models.FloatField(default=0)
    efficiency_count = models.IntegerField(default=0)
    sentiment_sum = models.FloatField(default=0)
    sentiment_count = models.IntegerField(default=0)
    excellent = models.IntegerField(default=0)
    good = models.IntegerField(default=0)
    poor = models.IntegerField(default=0)
    insufficient = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    handed_off = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    handle_seconds_sum = models.FloatField(default=0)
    handle_count = models.IntegerField(default=0)
    csat_sum = models.FloatField(default=0)
    csat_count = models.IntegerField(default=0)

    class Meta:
        abstract = True


class ConversationFact(Measures):
    """One conversation's current contribution to the rollup."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, primary_key=True
    )
    # Bucketing time: started_at, or created_at when the platform sent no start time.
    occurred_at = models.DateTimeField()
    hour = models.DateTimeField()
    channel = models.CharField(max_length=20)
    ai_agent = models.CharField(max_length=200)
    outcome = models.CharField(max_length=20)
    rating = models.CharField(max_length=20)
    tags = ArrayField(models.CharField(max_length=100), default=list)
    overall = models.FloatField(null=True)
    csat = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["occurred_at"])]


class Dimension(models.TextChoices):
    ALL = "all"
    CHANNEL = "channel"
    AI_AGENT = "ai_agent"
    OUTCOME = "outcome"
    RATING = "rating"
    TAG = "tag"


class HourlyRollup(Measures):
    """Sums of facts per UTC hour and one dimension value.

    Every fact adds to the `all` row of its hour, to one row for each of
    channel, AI agent, outcome and rating, and to one row per tag. A query
    reads the rows of a single dimension, so no conversation counts twice
    except across tags (a conversation with two tags is in both tag groups).
    """

    hour = models.DateTimeField()
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dimension", "hour", "value"], name="hourly_rollup_unique_key"),
        ]
