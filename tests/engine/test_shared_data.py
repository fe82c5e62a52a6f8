"""The scorer on 1,000 real task-oriented dialogues: no crash, values in range."""

import json
from pathlib import Path

import pytest

from scoring.engine import ScoringConfig, score_conversation
from scoring.engine.types import ConversationInput, MessageInput, Role

DATA_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "uss-mwoz.jsonl"


@pytest.fixture(scope="module")
def conversations():
    if not DATA_FILE.is_file():
        pytest.skip(f"shared data file {DATA_FILE} not found. Only this real-data check needs it")
    with DATA_FILE.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [
        ConversationInput(messages=tuple(MessageInput(Role(m["role"]), m.get("text") or "") for m in record["messages"]))
        for record in records
    ]


def test_real_dialogues_score_within_range(conversations):
    config = ScoringConfig.default()

    for conversation in conversations:
        score = score_conversation(conversation, config, [None] * len(conversation.messages), "none")

        assert score.insufficient_data is False
        assert 0 <= score.overall <= 100
        assert score.sentiment is None
        assert score.summary
