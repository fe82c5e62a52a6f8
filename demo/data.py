"""Reading conversations from a JSONL file in batches, without loading the whole file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLE_FILE = Path(__file__).resolve().parent / "sample_conversations.jsonl"


class DataFileInvalid(ValueError):
    """A line of the data file is not a JSON object; the message names the line."""


@dataclass(frozen=True)
class Batch:
    first_line: int
    conversations: list[dict]


def count_conversations(path: Path) -> int:
    """Return the number of non-blank lines (one conversation each)."""
    with open(path, encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def read_batches(path: Path, batch_size: int) -> Iterator[Batch]:
    """Yield the file's conversations `batch_size` at a time, in file order.

    Raises DataFileInvalid on a line that is not a JSON object. Lines before
    it have already been yielded (and sent) by then.
    """
    batch: list[dict] = []
    first_line = 1
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataFileInvalid(f"{path}, line {number}: invalid JSON ({error.msg}).") from None
            if not isinstance(item, dict):
                raise DataFileInvalid(f"{path}, line {number}: expected a JSON object, got {type(item).__name__}.")
            if not batch:
                first_line = number
            batch.append(item)
            if len(batch) >= batch_size:
                yield Batch(first_line, batch)
                batch = []
    if batch:
        yield Batch(first_line, batch)
