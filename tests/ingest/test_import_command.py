"""The import_conversations command on JSONL files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from conversations.models import Conversation
from tenants.context import call_in_schema
from tests.ingest.conftest import conversation

DATA_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "uss-mwoz.jsonl"


def run_import(*args: str, stdin: bytes | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_conversations", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _write_lines(path: Path, lines: list[str | bytes]) -> Path:
    with path.open("wb") as file:
        for line in lines:
            file.write(line if isinstance(line, bytes) else line.encode())
            file.write(b"\n")
    return path


def _line(item: dict) -> str:
    return json.dumps(item)


def test_import_reports_bad_lines_and_goes_on(db, acme, tmp_path, enqueued):
    naive = conversation("imp-naive", startedAt="2026-03-01T09:00:00")
    nul_escaped = conversation("imp-nul")
    nul_escaped["messages"][0]["text"] = "before\x00after"
    path = _write_lines(
        tmp_path / "mixed.jsonl",
        [
            _line(conversation("imp-good-1")),
            "",
            "{not json",
            _line(naive),
            _line(nul_escaped),
            b'{"externalId": "imp-raw-nul", "messages": [{"role": "ai", "text": "a\x00b"}]}',
            _line({"externalId": "imp-types", "messages": [{"role": "ai", "text": 5}]}),
            b"\xff\xfe not utf-8",
            '{"externalId": "imp-nan", "messages": [{"role": "ai", "text": "x"}], "metadata": {"x": NaN}}',
            "   ",
            _line(conversation("imp-unknown-field", priority="high")),
            _line(conversation("imp-good-3")),
        ],
    )

    with pytest.raises(CommandError, match="8 lines failed"):
        run_import(acme.slug, str(path), "--batch-size", "2")

    stored = call_in_schema(acme.slug, lambda: set(Conversation.objects.values_list("external_id", flat=True)))
    assert stored == {"imp-good-1", "imp-good-3"}


def test_import_messages_name_line_and_reason(db, acme, tmp_path):
    path = _write_lines(
        tmp_path / "bad.jsonl",
        [
            _line(conversation("imp-ok")),
            "{not json",
            _line(conversation("imp-naive", endedAt="2026-03-01T10:00:00")),
            "",
            b'{"externalId": "imp-raw-nul", "messages": [{"role": "ai", "text": "a\x00b"}]}',
            _line({"externalId": "imp-unknown", "messages": [{"role": "ai", "text": "x"}], "priority": 1}),
        ],
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_conversations", acme.slug, str(path), "--no-progress", stdout=out, stderr=err)

    errors = err.getvalue()
    assert "line 2: invalid JSON" in errors
    assert "line 3: endedAt:" in errors
    assert "no UTC offset" in errors
    assert "line 5: invalid JSON: Invalid control character" in errors
    assert "line 6: priority: priority is not a known field" in errors
    assert "line 4" not in errors
    assert out.getvalue().strip() == "1 created, 0 updated, 0 unchanged, 4 failed"


def test_import_twice_reports_unchanged(db, acme, tmp_path, enqueued, django_capture_on_commit_callbacks):
    path = _write_lines(tmp_path / "ok.jsonl", [_line(conversation(f"imp-again-{i}")) for i in range(5)])

    with django_capture_on_commit_callbacks(execute=True):
        first, _ = run_import(acme.slug, str(path), "--batch-size", "2")
    # Stand in for the worker: pending, unscored conversations are queued again on re-send.
    call_in_schema(acme.slug, lambda: Conversation.objects.update(scoring_status="scored"))
    with django_capture_on_commit_callbacks(execute=True):
        second, _ = run_import(acme.slug, str(path))

    assert first.strip() == "5 created, 0 updated, 0 unchanged, 0 failed"
    assert second.strip() == "0 created, 0 updated, 5 unchanged, 0 failed"
    assert len(enqueued.ids) == 5


def test_import_reads_standard_input(db, acme, monkeypatch):
    data = (_line(conversation("imp-stdin-1")) + "\n" + _line(conversation("imp-stdin-2")) + "\n").encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))

    out, _ = run_import(acme.slug, "-")

    assert out.strip() == "2 created, 0 updated, 0 unchanged, 0 failed"


def test_import_rejects_unknown_workspace_and_batch_size(db, workspaces, tmp_path, settings):
    path = _write_lines(tmp_path / "one.jsonl", [_line(conversation("imp-x"))])
    settings.INGEST_MAX_CONVERSATIONS_PER_CALL = 100

    with pytest.raises(CommandError, match="Workspace 'nope' not found"):
        run_import("nope", str(path))
    with pytest.raises(CommandError, match="--batch-size 101 is out of range. Use 1 to 100"):
        run_import("acme", str(path), "--batch-size", "101")
    with pytest.raises(CommandError, match="Cannot open"):
        run_import("acme", str(tmp_path / "missing.jsonl"))


@pytest.mark.skipif(not DATA_FILE.exists(), reason=f"development data {DATA_FILE} is absent")
def test_import_development_data_file(db, acme, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, errors = run_import(acme.slug, str(DATA_FILE))
        second, _ = run_import(acme.slug, str(DATA_FILE))

    assert first.strip() == "1000 created, 0 updated, 0 unchanged, 0 failed", errors
    assert second.strip() == "0 created, 0 updated, 1000 unchanged, 0 failed"
    assert call_in_schema(acme.slug, lambda: Conversation.objects.filter(external_id__startswith="uss-mwoz-").count()) == 1000
    # The second import queues them again because no worker scored them in between.
    assert len(set(enqueued.ids)) == 1000
