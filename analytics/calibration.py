"""Calibration: how the AI score lines up with CSAT and with manual QA reviews.

CSAT and QA reviews are never inputs of the score; here they are the
yardstick the score is checked against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from scipy.stats import spearmanr

from analytics.models import Dimension
from analytics.trends import MAX_RANGE_DAYS, TrendsRequestError, fact_conditions

MAX_CALIBRATION_DAYS = MAX_RANGE_DAYS["day"]
MAX_CSAT_GROUPS = 500
"""Most (scale, rating) groups returned; ratings are floats, so distinct values are not bounded by the scale."""


@dataclass
class CsatGroup:
    rating: float
    scale: int | None
    count: int
    mean_overall: float


@dataclass
class Calibration:
    csat_pairs: int
    spearman_rho: float | None
    spearman_p_value: float | None
    by_csat: list[CsatGroup]
    qa_reviews: int
    qa_agreement_rate: float | None
    qa_scored_reviews: int
    qa_mean_absolute_difference: float | None


def compute_calibration(start: datetime, end: datetime, filters: dict[Dimension, tuple[str, ...]]) -> Calibration:
    """Compare scored conversations started in [start, end) with their CSAT and QA reviews.

    Raises TrendsRequestError when the range is reversed or longer than MAX_CALIBRATION_DAYS.
    """
    if end <= start:
        raise TrendsRequestError("range.end", "range.end must be after range.start.")
    if (end - start).days > MAX_CALIBRATION_DAYS:
        raise TrendsRequestError(
            "range",
            f"The range spans {(end - start).days} days; the maximum is {MAX_CALIBRATION_DAYS} days.",
        )
    where, params = fact_conditions(start, end, filters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT f.overall, f.csat FROM analytics_conversationfact f "
            f"WHERE {where} AND f.overall IS NOT NULL AND f.csat IS NOT NULL",
            params,
        )
        pairs = cursor.fetchall()
        cursor.execute(
            f"""
            SELECT c.csat_rating, c.csat_scale, COUNT(*), AVG(f.overall)
            FROM analytics_conversationfact f
            JOIN conversations_conversation c ON c.id = f.conversation_id
            WHERE {where} AND f.overall IS NOT NULL AND c.csat_rating IS NOT NULL
            GROUP BY c.csat_scale, c.csat_rating
            ORDER BY c.csat_scale, c.csat_rating
            LIMIT %s
            """,
            [*params, MAX_CSAT_GROUPS],
        )
        by_csat = [CsatGroup(rating=r, scale=s, count=n, mean_overall=m) for r, s, n, m in cursor.fetchall()]
        cursor.execute(
            f"""
            SELECT COUNT(*),
                   AVG((r.rating = f.rating)::int),
                   COUNT(*) FILTER (WHERE r.score IS NOT NULL AND f.overall IS NOT NULL),
                   AVG(ABS(r.score - f.overall)) FILTER (WHERE r.score IS NOT NULL AND f.overall IS NOT NULL)
            FROM conversations_qareview r
            JOIN analytics_conversationfact f ON f.conversation_id = r.conversation_id
            WHERE {where} AND f.rating <> ''
            """,
            params,
        )
        qa_count, qa_agreement, qa_scored, qa_mad = cursor.fetchone()

    rho, p_value = _spearman(pairs)
    return Calibration(
        csat_pairs=len(pairs),
        spearman_rho=rho,
        spearman_p_value=p_value,
        by_csat=by_csat,
        qa_reviews=qa_count,
        qa_agreement_rate=float(qa_agreement) if qa_agreement is not None else None,
        qa_scored_reviews=qa_scored,
        qa_mean_absolute_difference=float(qa_mad) if qa_mad is not None else None,
    )


def _spearman(pairs: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    """Spearman's rho and its p-value, or (None, None) with fewer than 3 pairs or a constant side."""
    if len(pairs) < 3:
        return None, None
    scores = [p[0] for p in pairs]
    csat = [p[1] for p in pairs]
    if len(set(scores)) < 2 or len(set(csat)) < 2:
        return None, None
    result = spearmanr(scores, csat)
    rho, p_value = float(result.statistic), float(result.pvalue)
    if math.isnan(rho):
        return None, None
    return rho, p_value
