"""Bulk import of conversations from a JSONL file, one conversation per line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from conversations.services import IngestStatus, ingest_conversations
from conversations.validation import ValidConversation, format_path, max_conversations_per_call, validate_conversation
from tenants.models import Workspace

DEFAULT_BATCH_SIZE = 200


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON; send a finite number or null")


def _parse_line(raw: bytes) -> tuple[object, str | None]:
    """Decode one line; return (value, None) or (None, reason)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"not valid UTF-8 at byte {error.start}"
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except (json.JSONDecodeError, ValueError, RecursionError) as error:
        return None, f"invalid JSON: {error}"


class Command(BaseCommand):
    help = (
        "Import conversations from a JSONL file (one conversation per line, same fields as the GraphQL "
        "ingest input) into a workspace. Bad lines are reported and skipped; the exit status is non-zero "
        "when any line failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="Slug of the workspace to import into.")
        parser.add_argument("file", help="Path of the JSONL file, or - for standard input.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=f"Conversations stored per transaction (default: {DEFAULT_BATCH_SIZE}, or "
            "INGEST_MAX_CONVERSATIONS_PER_CALL when that is lower; at most that setting).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, slug: str, file: str, batch_size: int | None, no_progress: bool, **options) -> None:
        if not Workspace.objects.filter(schema_name=slug).exists():
            raise CommandError(f"Workspace {slug!r} not found. List workspaces with `manage.py list_workspaces`.")
        limit = max_conversations_per_call()
        if batch_size is None:
            batch_size = min(DEFAULT_BATCH_SIZE, limit)
        if not 1 <= batch_size <= limit:
            raise CommandError(
                f"--batch-size {batch_size} is out of range. Use 1 to {limit} (INGEST_MAX_CONVERSATIONS_PER_CALL)."
            )

        self.counts = {status: 0 for status in IngestStatus}
        with ExitStack() as stack:
            if file == "-":
                stream: BinaryIO = sys.stdin.buffer
            else:
                try:
                    stream = stack.enter_context(open(file, "rb"))
                except OSError as error:
                    raise CommandError(f"Cannot open {file}: {error.strerror}.") from None
            self.progress = stack.enter_context(
                tqdm(unit=" conversations", file=sys.stderr, disable=no_progress, dynamic_ncols=True)
            )
            batch: list[tuple[int, ValidConversation]] = []
            for line_number, item in self._valid_lines(stream):
                batch.append((line_number, item))
                if len(batch) >= batch_size:
                    self._store(slug, batch)
                    batch = []
            if batch:
                self._store(slug, batch)

        summary = (
            f"{self.counts[IngestStatus.CREATED]} created, {self.counts[IngestStatus.UPDATED]} updated, "
            f"{self.counts[IngestStatus.UNCHANGED]} unchanged, {self.counts[IngestStatus.FAILED]} failed"
        )
        self.stdout.write(summary)
        if self.counts[IngestStatus.FAILED]:
            raise CommandError(
                f"{self.counts[IngestStatus.FAILED]} lines failed and were skipped; see the messages above."
            )

    def _valid_lines(self, stream: BinaryIO) -> Iterator[tuple[int, ValidConversation]]:
        """Yield (line number, conversation) for each valid line; report the others."""
        for line_number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            value, reason = _parse_line(raw)
            if reason is not None:
                self._fail(line_number, [reason])
                continue
            outcome = validate_conversation(value)
            if isinstance(outcome, ValidConversation):
                yield line_number, outcome
            else:
                self._fail(
                    line_number,
                    [f"{format_path(error.field) or 'conversation'}: {error.message}" for error in outcome],
                )

    def _store(self, slug: str, batch: list[tuple[int, ValidConversation]]) -> None:
        results = ingest_conversations(slug, [item for _, item in batch])
        for (line_number, _), result in zip(batch, results, strict=True):
            if result.status == IngestStatus.FAILED:
                self._fail(line_number, [error.message for error in result.errors])
            else:
                self.counts[result.status] += 1
        self.progress.update(len(batch))

    def _fail(self, line_number: int, reasons: list[str]) -> None:
        self.counts[IngestStatus.FAILED] += 1
        with self.progress.external_write_mode():
            for reason in reasons:
                self.stderr.write(f"line {line_number}: {reason}")
