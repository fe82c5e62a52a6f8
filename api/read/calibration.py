"""The `calibration` query: the AI score against CSAT and manual QA reviews."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from analytics.calibration import compute_calibration
from analytics.trends import TrendsRequestError
from api.errors import ScopeMissingError
from api.permissions import missing_scope
from api.read.errors import ArgumentRejected, ReadArgumentError, ReadErrorCode, argument_error
from api.read.filters import TimeRangeInput, TrendsFilter, check_range, trends_dimensions
from tenants.context import run_in_schema


@strawberry.type(description="Mean AI score of conversations that got one CSAT rating.")
class CsatRatingScore:
    rating: float = strawberry.field(description="The CSAT rating.")
    scale: int | None = strawberry.field(description="The survey's scale.")
    count: int = strawberry.field(description="Scored conversations with this rating.")
    mean_overall: float = strawberry.field(description="Their mean overall AI score (0..100).")


@strawberry.type(description="How well the AI score agrees with CSAT and with QA reviewers.")
class Calibration:
    csat_pairs: int = strawberry.field(description="Scored conversations with a CSAT response (n of the correlation).")
    spearman_rho: float | None = strawberry.field(
        description="Spearman rank correlation between overall score and normalised CSAT; null below 3 pairs."
    )
    spearman_p_value: float | None = strawberry.field(description="Two-sided p-value of `spearmanRho`.")
    by_csat_rating: list[CsatRatingScore] = strawberry.field(
        description="Mean AI score per CSAT rating and scale, ordered by scale and rating; at most 500 entries."
    )
    qa_reviews: int = strawberry.field(description="QA reviews of rated conversations in the range.")
    qa_agreement_rate: float | None = strawberry.field(
        description="Share of those reviews whose rating equals the AI rating."
    )
    qa_scored_reviews: int = strawberry.field(description="Reviews that gave a numeric score.")
    qa_mean_absolute_difference: float | None = strawberry.field(
        description="Mean |reviewer score - AI overall score| over reviews with a numeric score."
    )


CalibrationResult = Annotated[
    Calibration | ScopeMissingError | ReadArgumentError,
    strawberry.union("CalibrationResult", description="Calibration figures, or why they cannot be computed."),
]


def load_calibration(start, end, filters) -> Calibration:
    try:
        result = compute_calibration(start, end, filters)
    except TrendsRequestError as error:
        code = ReadErrorCode.RANGE_TOO_LONG if "maximum" in str(error) else ReadErrorCode.INVALID
        raise ArgumentRejected(argument_error(error.field, str(error), code)) from None
    return Calibration(
        csat_pairs=result.csat_pairs,
        spearman_rho=result.spearman_rho,
        spearman_p_value=result.spearman_p_value,
        by_csat_rating=[
            CsatRatingScore(rating=g.rating, scale=g.scale, count=g.count, mean_overall=g.mean_overall)
            for g in result.by_csat
        ],
        qa_reviews=result.qa_reviews,
        qa_agreement_rate=result.qa_agreement_rate,
        qa_scored_reviews=result.qa_scored_reviews,
        qa_mean_absolute_difference=result.qa_mean_absolute_difference,
    )


@strawberry.type
class CalibrationQueries:
    @strawberry.field(
        description=(
            "Agreement of the AI score with CSAT (Spearman's rho, mean score per rating) and with QA reviews "
            "(agreement rate, mean absolute difference) for conversations started in `range` (at most 400 "
            "days). CSAT and QA are never score inputs. Needs the `read` scope."
        )
    )
    async def calibration(
        self,
        info: Info,
        range: Annotated[TimeRangeInput, strawberry.argument(description="Start-time range of the conversations.")],
        filter: Annotated[TrendsFilter | None, strawberry.argument(description="Conditions to match.")] = None,
    ) -> CalibrationResult:
        if error := missing_scope(info, "read"):
            return error
        try:
            check_range("range", range)
            filters = trends_dimensions(filter)
            return await run_in_schema(info.context.schema_name, load_calibration, range.start, range.end, filters)
        except ArgumentRejected as rejected:
            return rejected.error
