"""The evaluate command: agreement of stored scores with a labels CSV."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tests.pipeline.conftest import conversation

ANGRY = [
    {"role": "customer", "text": "This is useless, you are not helping at all."},
    {"role": "ai", "text": "I am sorry, could you repeat the question?"},
    {"role": "customer", "text": "I already told you twice. Terrible service."},
]


def test_evaluate_prints_agreement_table(committed, ingest, stub_worker, tmp_path, capsys):
    items = [conversation(f"eval-{index}") for index in range(3)] + [
        conversation(f"eval-{index}", messages=ANGRY) for index in range(3, 6)
    ]
    ingest(items)
    stub_worker.join()
    labels = tmp_path / "labels.csv"
    rows = ["externalId,satisfaction", *(f"eval-{index},{5 if index < 3 else 1}" for index in range(6)), "eval-x,"]
    labels.write_text("\n".join(rows) + "\n", encoding="utf-8")

    call_command("evaluate", committed, "--labels", str(labels), "--column", "satisfaction")

    captured = capsys.readouterr()
    table = {line.split("  ")[0].strip(): line.split() for line in captured.out.splitlines()[2:]}
    assert set(table) == {"overall", "resolution", "efficiency", "sentiment", "baseline: VADER mean", "baseline: turn count"}
    assert table["overall"][1] == "6"
    assert float(table["overall"][2]) > 0, "the angry conversations should score lower"
    assert "Skipped 1 label rows" in captured.err


def test_evaluate_rejects_unknown_column(committed, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("externalId,score\n", encoding="utf-8")

    with pytest.raises(CommandError, match="no column 'satisfaction'"):
        call_command("evaluate", committed, "--labels", str(labels), "--column", "satisfaction")
