"""GraphQL input types of the configuration API.

Configuration fields are optional: changes merge into the current version.
"""

from __future__ import annotations

import strawberry

from api.config.types import CustomSignalRole
from api.read.enums import ComponentEnum


@strawberry.input(description="New sub-score weights; any non-negative numbers, normalised to a sum of 1 when saved.")
class ScoringWeightsInput:
    resolution: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Weight of the resolution progress sub-score.",
    )
    efficiency: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Weight of the efficiency sub-score.",
    )
    sentiment: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Weight of the customer sentiment sub-score.",
    )


@strawberry.input(description="New rating thresholds, 0 to 100; excellent must stay above good.")
class ScoringThresholdsInput:
    excellent: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Lowest overall score rated excellent.",
    )
    good: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Lowest overall score rated good.",
    )


@strawberry.input(description="New rule parameters.")
class ScoringRuleParametersInput:
    expected_customer_turns: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Customer turns a typical conversation needs, 1 to 1000.",
    )
    expected_duration_seconds: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Duration of a typical conversation, in seconds.",
    )
    expected_ai_latency_seconds: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Acceptable AI reply delay, in seconds.",
    )
    loop_similarity_threshold: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Similarity above 0 and at most 1 from which two AI replies count as a loop.",
    )
    repeat_similarity_threshold: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Similarity above 0 and at most 1 from which two customer messages count as a repeat.",
    )


@strawberry.input(description="A custom phrase signal; give phrases, a regex or both.")
class CustomPhraseSignalInput:
    code: str = strawberry.field(description="1 to 40 lowercase letters, digits or underscores, starting with a letter.")
    component: ComponentEnum = strawberry.field(description="The sub-score the effect applies to.")
    effect: float = strawberry.field(description="Non-zero points, -50 to 50, added to the sub-score.")
    reason: str = strawberry.field(description="The explanation shown with the signal, at most 200 characters.")
    phrases: list[str] = strawberry.field(default_factory=list, description="Phrases matched as whole words.")
    regex: str | None = strawberry.field(default=None, description="A regular expression, or null.")
    role: CustomSignalRole = strawberry.field(
        default=CustomSignalRole.CUSTOMER,
        description="Which messages are matched.",
    )


@strawberry.input(description="Changes to the scoring configuration; omitted fields keep their current values.")
class ScoringConfigInput:
    weights: ScoringWeightsInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="New sub-score weights.",
    )
    thresholds: ScoringThresholdsInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="New rating thresholds.",
    )
    rules: ScoringRuleParametersInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="New rule parameters.",
    )
    custom_signals: list[CustomPhraseSignalInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The full list of custom signals; it replaces the current list."
    )
    language: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Language tag of the rule phrases used when a conversation names none, for example `en`.",
    )
