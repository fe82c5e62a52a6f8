"""Print how well a workspace's scores agree with human labels."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conversations.models import Conversation, Message
from scoring.engine.types import Role
from scoring.evaluation import EvaluationRow, compute_agreement, format_agreement_table
from tenants.context import call_in_schema
from tenants.models import Workspace


def read_labels(path: Path, column: str, id_column: str) -> tuple[dict[str, float], int]:
    """Return labels by external id and the number of rows skipped for a missing or non-numeric value."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot open the labels file {str(path)!r}: {error.strerror}.") from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for name in (id_column, column):
            if name not in header:
                raise CommandError(f"The labels file has no column {name!r}; its columns are {', '.join(header)}.")
        labels: dict[str, float] = {}
        skipped = 0
        for row in reader:
            try:
                value = float(row[column])
            except (TypeError, ValueError):
                skipped += 1
                continue
            if math.isfinite(value) and row[id_column]:
                labels[row[id_column]] = value
            else:
                skipped += 1
    return labels, skipped


def load_rows(external_ids: set[str]) -> list[EvaluationRow]:
    """Return one row per scored conversation of the current schema whose external id is labelled."""
    conversations = list(
        Conversation.objects.filter(external_id__in=external_ids, latest_score__isnull=False).select_related("latest_score")
    )
    texts: dict[int, list[str]] = {conversation.id: [] for conversation in conversations}
    customer_messages = Message.objects.filter(conversation_id__in=texts, role=Role.CUSTOMER).order_by(
        "conversation_id", "position"
    )
    for conversation_id, text in customer_messages.values_list("conversation_id", "text"):
        texts[conversation_id].append(text)
    return [
        EvaluationRow(
            external_id=conversation.external_id,
            overall=conversation.latest_score.overall,
            resolution=conversation.latest_score.resolution,
            efficiency=conversation.latest_score.efficiency,
            sentiment=conversation.latest_score.sentiment,
            customer_texts=texts[conversation.id],
            turn_count=conversation.message_count,
        )
        for conversation in conversations
    ]


class Command(BaseCommand):
    help = (
        "Join a workspace's scored conversations to a labels CSV by external id and print the Spearman rank "
        "correlation of the overall score and each sub-score with the label, beside two baselines on the same "
        "conversations: the mean VADER compound of the customer messages and the number of messages."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="Slug of the workspace.")
        parser.add_argument("--labels", required=True, type=Path, help="CSV file with one row per conversation.")
        parser.add_argument("--column", required=True, help="Name of the numeric label column, e.g. satisfaction_mean.")
        parser.add_argument(
            "--id-column", default="externalId", help="Name of the column with the external id (default: externalId)."
        )

    def handle(self, *args, slug: str, labels: Path, column: str, id_column: str, **options) -> None:
        if not Workspace.objects.filter(schema_name=slug).exists():
            raise CommandError(f"Workspace {slug!r} not found. List workspaces with `manage.py list_workspaces`.")
        label_values, skipped = read_labels(labels, column, id_column)
        rows = call_in_schema(slug, load_rows, set(label_values))
        if skipped:
            self.stderr.write(f"Skipped {skipped} label rows without a numeric {column!r} value.")
        self.stderr.write(f"{len(label_values)} labels, {len(rows)} of them joined to scored conversations in {slug}.")
        table = compute_agreement(rows, label_values)
        self.stdout.write(format_agreement_table(table, title=f"Agreement with {column} (Spearman rho)"))
