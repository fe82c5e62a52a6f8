"""Agreement between scores and human labels, with two simple baselines.

Plain Python (no Django): the `evaluate` management command and
`bench/agreement.py` pass rows in and print the table. Agreement is the
Spearman rank correlation, because satisfaction labels are ordinal and
heavily concentrated on one value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from scipy.stats import spearmanr

# Fewer pairs than this give no meaningful rank correlation.
MIN_PAIRS = 3


@dataclass(frozen=True, slots=True)
class EvaluationRow:
    """One scored conversation, with score fields None where it was not judged."""

    external_id: str
    overall: float | None
    resolution: float | None
    efficiency: float | None
    sentiment: float | None
    customer_texts: Sequence[str]
    turn_count: int


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """Spearman rho of one column against the labels.

    `rho` and `p_value` are None below MIN_PAIRS pairs or for a constant column.
    """

    column: str
    n: int
    rho: float | None
    p_value: float | None


def vader_mean_compound(texts: Sequence[str], analyzer=None) -> float | None:
    """Return the mean VADER compound score of `texts`, or None when there is none."""
    if analyzer is None:
        analyzer = _vader()
    values = [analyzer.polarity_scores(text)["compound"] for text in texts if text and text.strip()]
    return sum(values) / len(values) if values else None


def compute_agreement(rows: Iterable[EvaluationRow], labels: Mapping[str, float]) -> list[AgreementRow]:
    """Return Spearman rho of each score column and of the two baselines against `labels`.

    Rows without a label are skipped. Within a column, rows whose value is
    None are skipped, so `n` can differ per column. The baselines are the
    mean VADER compound of the customer messages and the number of turns.
    """
    labelled = [row for row in rows if row.external_id in labels]
    analyzer = _vader()
    columns: list[tuple[str, Callable[[EvaluationRow], float | None]]] = [
        ("overall", lambda r: r.overall),
        ("resolution", lambda r: r.resolution),
        ("efficiency", lambda r: r.efficiency),
        ("sentiment", lambda r: r.sentiment),
        ("baseline: VADER mean", lambda r: vader_mean_compound(r.customer_texts, analyzer)),
        ("baseline: turn count", lambda r: float(r.turn_count)),
    ]
    table = []
    for name, value_of in columns:
        pairs = [(value, labels[row.external_id]) for row in labelled if (value := value_of(row)) is not None]
        table.append(_spearman(name, pairs))
    return table


def format_agreement_table(table: Sequence[AgreementRow], title: str | None = None) -> str:
    """Return the table as aligned plain text with n, rho and p-value per column."""
    lines = [title] if title else []
    lines.append(f"{'column':<22} {'n':>5} {'rho':>7} {'p-value':>10}")
    for row in table:
        rho = "n/a" if row.rho is None else f"{row.rho:+.3f}"
        p_value = "n/a" if row.p_value is None else f"{row.p_value:.2g}"
        lines.append(f"{row.column:<22} {row.n:>5} {rho:>7} {p_value:>10}")
    return "\n".join(lines)


def _spearman(name: str, pairs: list[tuple[float, float]]) -> AgreementRow:
    if len(pairs) < MIN_PAIRS:
        return AgreementRow(name, len(pairs), None, None)
    values, labels = zip(*pairs, strict=True)
    if len(set(values)) < 2 or len(set(labels)) < 2:
        return AgreementRow(name, len(pairs), None, None)
    result = spearmanr(values, labels)
    rho, p_value = float(result.statistic), float(result.pvalue)
    if math.isnan(rho):
        return AgreementRow(name, len(pairs), None, None)
    return AgreementRow(name, len(pairs), rho, p_value)


def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()
