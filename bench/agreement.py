"""Measure how the scores agree with human satisfaction labels.

Reads conversations in the ingest JSONL format and a labels CSV, then runs
the sentiment stage and the scoring core. Prints Spearman rho of the overall
score, each sub-score and two baselines (mean VADER compound of the customer
messages, number of turns). The table covers the full file and a 70/30 split
by a hash of the external id. Tune rules on the tuning part only, because the
held-out part shows whether a gain generalises.

    .venv/bin/python bench/agreement.py                     # Flair model from scoring.sentiment
    .venv/bin/python bench/agreement.py --sentiment vader   # VADER stand-in, no model load
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from scoring.engine import ScoringConfig, score_conversation  # noqa: E402
from scoring.engine.types import (  # noqa: E402
    ConversationInput,
    MessageInput,
    Role,
    SentimentLabel,
    SentimentResult,
)
from scoring.evaluation import EvaluationRow, compute_agreement, format_agreement_table  # noqa: E402

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "uss-mwoz.jsonl"
HELD_OUT_PERCENT = 30


class VaderAnalyzer:
    """Stand-in for `scoring.sentiment.get_analyzer()` built on VADER's compound score."""

    version = "vader-3.3.2"

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._vader = SentimentIntensityAnalyzer()

    def analyze(self, texts: list[str]) -> list[SentimentResult]:
        results = []
        for text in texts:
            if not any(ch.isalnum() for ch in text):
                results.append(SentimentResult(SentimentLabel.NEUTRAL, 0.0, 0.0, scorable=False))
                continue
            compound = self._vader.polarity_scores(text)["compound"]
            if compound >= 0.05:
                label = SentimentLabel.POSITIVE
            elif compound <= -0.05:
                label = SentimentLabel.NEGATIVE
            else:
                label = SentimentLabel.NEUTRAL
            results.append(SentimentResult(label, compound, round(0.5 + abs(compound) / 2, 3)))
        return results


def is_held_out(external_id: str) -> bool:
    """Return True for the stable 30 % of ids that tuning must not look at."""
    bucket = int(hashlib.sha256(external_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return bucket < HELD_OUT_PERCENT


def read_conversations(path: Path) -> list[tuple[str, ConversationInput]]:
    conversations = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            messages = tuple(MessageInput(role=Role(m["role"]), text=m.get("text") or "") for m in record["messages"])
            conversations.append((record["externalId"], ConversationInput(messages=messages)))
    return conversations


def read_labels(path: Path, column: str) -> dict[str, float]:
    with path.open(encoding="utf-8", newline="") as rows:
        return {row["externalId"]: float(row[column]) for row in csv.DictReader(rows) if row.get(column)}


def load_analyzer(name: str):
    if name == "vader":
        return VaderAnalyzer()
    from scoring.sentiment import get_analyzer

    return get_analyzer(None if name == "model" else name)


def score_all(conversations, analyzer, config: ScoringConfig):
    """Score every conversation and return evaluation rows, signal code counts and outcome counts."""
    customer_texts = [
        [m.text for m in conversation.messages if m.role is Role.CUSTOMER] for _, conversation in conversations
    ]
    flat = [text for texts in customer_texts for text in texts]
    flat_results = iter(analyzer.analyze(flat))

    rows, codes, outcomes = [], Counter(), Counter()
    for (external_id, conversation), texts in zip(conversations, customer_texts, strict=True):
        sentiments = [next(flat_results) if m.role is Role.CUSTOMER else None for m in conversation.messages]
        score = score_conversation(conversation, config, sentiments, analyzer.version)
        codes.update(s.code for s in score.signals)
        outcomes[score.outcome.value] += 1
        rows.append(
            EvaluationRow(
                external_id=external_id,
                overall=score.overall,
                resolution=score.resolution,
                efficiency=score.efficiency,
                sentiment=score.sentiment,
                customer_texts=texts,
                turn_count=len(conversation.messages),
            )
        )
    return rows, codes, outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="conversations JSONL file")
    parser.add_argument("--labels", type=Path, help="labels CSV (default: uss-mwoz-labels.csv next to the data file)")
    parser.add_argument("--label-column", default="satisfaction_mean", help="labels CSV column to compare with")
    parser.add_argument(
        "--sentiment", default="model",
        help="'model' for scoring.sentiment.get_analyzer() with its default setting, 'vader' for the "
        "VADER stand-in, or any other setting string passed to get_analyzer()",
    )
    parser.add_argument("--config", type=Path, help="scoring config JSON (default: ScoringConfig.default())")
    parser.add_argument("--signals", action="store_true", help="also print how often each signal code fired")
    args = parser.parse_args(argv)

    if not args.data.is_file():
        parser.error(f"data file {args.data} not found: pass the path to the conversations JSONL")
    labels_path = args.labels or args.data.with_name(args.data.stem + "-labels.csv")
    if not labels_path.is_file():
        parser.error(f"labels file {labels_path} not found: pass it with --labels")
    config = ScoringConfig.default()
    if args.config:
        config = ScoringConfig.from_dict(json.loads(args.config.read_text(encoding="utf-8")))

    conversations = read_conversations(args.data)
    labels = read_labels(labels_path, args.label_column)
    started = time.perf_counter()
    analyzer = load_analyzer(args.sentiment)
    rows, codes, outcomes = score_all(conversations, analyzer, config)
    elapsed_s = time.perf_counter() - started

    print(f"data: {args.data.name}, {len(rows)} conversations, labels: {args.label_column}")
    print(f"sentiment: {analyzer.version}, scoring and sentiment took {elapsed_s:.1f} s")
    print(f"outcomes: {dict(sorted(outcomes.items()))}\n")
    splits = [
        ("full file", rows),
        ("tuning part (70 %)", [r for r in rows if not is_held_out(r.external_id)]),
        ("held-out part (30 %)", [r for r in rows if is_held_out(r.external_id)]),
    ]
    for title, part in splits:
        print(format_agreement_table(compute_agreement(part, labels), title=f"{title}:"))
        print()
    if args.signals:
        for code, count in sorted(codes.items()):
            print(f"{code:<45} {count:>5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
