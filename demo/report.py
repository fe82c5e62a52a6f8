"""The demo's closing report: rating distribution, mean sub-scores, outcomes and the worst conversations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import mean

RATINGS = ("excellent", "good", "poor")
SUB_SCORES = ("overall", "resolution", "efficiency", "sentiment")
SIGNALS_PER_CONVERSATION = 3
WORST_COUNT = 3


def _lower(value) -> str | None:
    return value.lower() if isinstance(value, str) else None


def summarize(conversations: Sequence[dict]) -> dict:
    """Aggregate conversation nodes (with `latestScore`) into the report's figures."""
    scores = [c["latestScore"] for c in conversations if c.get("latestScore")]
    ratings = Counter(_lower(score.get("rating")) or "insufficient data" for score in scores)
    outcomes = Counter(_lower(score.get("outcome")) or "unknown" for score in scores)
    means = {}
    for name in SUB_SCORES:
        values = [score[name] for score in scores if score.get(name) is not None]
        means[name] = mean(values) if values else None
    rated = [c for c in conversations if c.get("latestScore") and c["latestScore"].get("overall") is not None]
    worst = sorted(rated, key=lambda c: c["latestScore"]["overall"])[:WORST_COUNT]
    return {
        "conversations": len(conversations),
        "scored": len(scores),
        "ratings": ratings,
        "outcomes": outcomes,
        "means": means,
        "worst": worst,
    }


def strongest_signals(signals: Sequence[dict], count: int = SIGNALS_PER_CONVERSATION) -> list[dict]:
    """Return the signals with the largest absolute effect, largest first."""
    return sorted(signals, key=lambda signal: abs(signal.get("effect") or 0.0), reverse=True)[:count]


def format_report(summary: dict, failed: int, rejected: int) -> str:
    scored = summary["scored"]
    lines = [f"Report: {_count(scored, 'conversation')} scored"]
    if failed or rejected:
        lines[0] += f", {failed} failed scoring, {rejected} rejected at ingest"
    lines.append("")
    lines.append("  Rating              count  share")
    order = [*RATINGS, "insufficient data"]
    for rating in order + sorted(set(summary["ratings"]) - set(order)):
        count = summary["ratings"].get(rating, 0)
        lines.append(f"  {rating:<18} {count:>6}  {_share(count, scored)}")
    lines.append("")
    means = summary["means"]
    lines.append(
        "  Mean sub-scores: "
        + ", ".join(f"{name} {_number(means[name])}" for name in SUB_SCORES)
        + " (0 to 100)"
    )
    outcomes = summary["outcomes"]
    lines.append(
        "  Outcomes: "
        + ", ".join(f"{name} {_share(count, scored).strip()}" for name, count in outcomes.most_common())
    )
    if summary["worst"]:
        lines.append("")
        lines.append("Lowest-scored conversations")
    for rank, conversation in enumerate(summary["worst"], start=1):
        lines.extend(_format_worst(rank, conversation))
    return "\n".join(lines)


def _format_worst(rank: int, conversation: dict) -> list[str]:
    score = conversation["latestScore"]
    rating = _lower(score.get("rating")) or "insufficient data"
    outcome = _lower(score.get("outcome")) or "unknown"
    header = (
        f"  {rank}. {conversation['externalId']}: {rating}, overall {_number(score.get('overall'))} "
        f"(resolution {_number(score.get('resolution'))}, efficiency {_number(score.get('efficiency'))}, "
        f"sentiment {_number(score.get('sentiment'))}), outcome {outcome}"
    )
    lines = [header, f"     Summary: {score.get('summary') or '(none)'}"]
    for signal in strongest_signals(score.get("signals") or []):
        component = _lower(signal.get("component")) or "overall"
        messages = signal.get("messageIndices") or []
        where = f", messages {', '.join(str(i) for i in messages)}" if messages else ""
        lines.append(
            f"     Signal {signal.get('code')} ({component} {signal.get('effect', 0):+.0f}{where}): {signal.get('reason')}"
        )
    return lines


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:4.0f}%" if total else "   -"


def _number(value) -> str:
    return "-" if value is None else f"{value:.1f}"
