"""Fetch conversations with exactly the relations a query selects, in a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from api.read.types import MAX_NESTED_ITEMS, MAX_TRANSCRIPT_MESSAGES, PREFETCHED
from conversations.models import Conversation, Message, QaReview
from scoring.models import MessageSentiment, Score


def selected_names(selections: Iterable) -> set[str]:
    """Collect every field name in a strawberry selection tree, fragments included."""
    names: set[str] = set()
    stack = list(selections)
    while stack:
        node = stack.pop()
        name = getattr(node, "name", None)
        if name:
            names.add(name)
        stack.extend(getattr(node, "selections", None) or [])
    return names


def conversations_queryset(names: set[str]) -> QuerySet:
    """Return a Conversation queryset that prefetches what `names` (from selected_names) needs.

    At most one query per relation: messages, their sentiments, score history, QA reviews.
    Sliced prefetches need `to_attr` (Django 5.2 cannot filter a sliced queryset through the related manager).
    """
    queryset = Conversation.objects.all()
    if "latestScore" in names:
        queryset = queryset.select_related("latest_score")
    if "messages" in names:
        messages = Message.objects.order_by("position").prefetch_related(
            Prefetch("sentiments", queryset=MessageSentiment.objects.order_by("id"))
        )
        queryset = queryset.prefetch_related(Prefetch("messages", queryset=messages[:MAX_TRANSCRIPT_MESSAGES], to_attr=PREFETCHED["messages"]))
    if "scoreHistory" in names:
        scores = Score.objects.order_by("-created_at", "-id")[:MAX_NESTED_ITEMS]
        queryset = queryset.prefetch_related(Prefetch("scores", queryset=scores, to_attr=PREFETCHED["scores"]))
    if "qaReviews" in names:
        reviews = QaReview.objects.order_by("-created_at", "-id")[:MAX_NESTED_ITEMS]
        queryset = queryset.prefetch_related(Prefetch("qa_reviews", queryset=reviews, to_attr=PREFETCHED["qa_reviews"]))
    return queryset
