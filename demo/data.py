"""Reading conversations from a JSONL file in batches, without loading the whole file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLE_FILE = Path(__file__).resolve().parent / "sample_conversations.jsonl"


@dataclass(frozen=True)
class Batch:
    # (line number, conversation) in file order
    conversations: list[tuple[int, dict]]
    # (line number, reason) of the lines in the same stretch that are not JSON objects
    invalid: list[tuple[int, str]]


def count_conversations(path: Path) -> int:
    """Return the number of non-blank lines (one conversation each)."""
    with open(path, encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def read_batches(path: Path, batch_size: int) -> Iterator[Batch]:
    """Yield the file's conversations `batch_size` at a time, in file order.

    A line that is not a JSON object does not stop the run: it is reported in
    `Batch.invalid` with the reason, so the caller can list it as rejected.
    """
    conversations: list[tuple[int, dict]] = []
    invalid: list[tuple[int, str]] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                invalid.append((number, f"invalid JSON ({error.msg} at column {error.colno})"))
                continue
            if not isinstance(item, dict):
                invalid.append((number, f"expected a JSON object, got {type(item).__name__}"))
                continue
            conversations.append((number, item))
            if len(conversations) >= batch_size:
                yield Batch(conversations, invalid)
                conversations, invalid = [], []
    if conversations or invalid:
        yield Batch(conversations, invalid)
