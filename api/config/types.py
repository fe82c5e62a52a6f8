"""GraphQL output types of the configuration API: scoring configurations and rescoring runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry

from api.errors import Error, NotFoundError, ScopeMissingError
# The live API's enum, so that the schema has one RescoreRunStatus type.
from api.live.types import RescoreRunStatus
from api.read.enums import ComponentEnum


@strawberry.enum(description="Which messages a custom phrase signal looks at.")
class CustomSignalRole(StrEnum):
    CUSTOMER = "customer"
    AI = "ai"
    ANY = "any"


@strawberry.enum(description="The kind of problem with a configuration value.")
class ScoringConfigErrorCode(StrEnum):
    INVALID_VALUE = "invalid_value"
    UNKNOWN_FIELD = "unknown_field"


@strawberry.type(description="Relative weights of the sub-scores in the overall score, stored normalised to a sum of 1.")
class ScoringWeights:
    resolution: float = strawberry.field(description="Weight of the resolution progress sub-score.")
    efficiency: float = strawberry.field(description="Weight of the efficiency sub-score.")
    sentiment: float = strawberry.field(description="Weight of the customer sentiment sub-score.")


@strawberry.type(description="Lowest overall score, 0 to 100, for each rating.")
class ScoringThresholds:
    excellent: float = strawberry.field(description="Lowest overall score rated excellent.")
    good: float = strawberry.field(description="Lowest overall score rated good; below it a conversation is poor.")


@strawberry.type(description="Workspace expectations that the efficiency and loop rules compare against.")
class ScoringRuleParameters:
    expected_customer_turns: int = strawberry.field(description="Customer turns a typical conversation needs.")
    expected_duration_seconds: float = strawberry.field(description="Duration of a typical conversation, in seconds.")
    expected_ai_latency_seconds: float = strawberry.field(description="Acceptable AI reply delay, in seconds.")
    loop_similarity_threshold: float = strawberry.field(
        description="Similarity, 0 to 1, above which two AI replies count as a loop."
    )
    repeat_similarity_threshold: float = strawberry.field(
        description="Similarity, 0 to 1, above which two customer messages count as a repeat."
    )


@strawberry.type(description="A workspace phrase rule that adds points to a sub-score when a message matches.")
class CustomPhraseSignal:
    code: str = strawberry.field(description="Identifier; scores show the signal as `custom.<code>`.")
    component: ComponentEnum = strawberry.field(description="The sub-score the effect applies to.")
    effect: float = strawberry.field(description="Points added to the sub-score (negative lowers it).")
    reason: str = strawberry.field(description="The explanation shown with the signal.")
    phrases: list[str] = strawberry.field(description="Phrases matched as whole words, ignoring case.")
    regex: str | None = strawberry.field(description="A regular expression matched against the case-folded text.")
    role: CustomSignalRole = strawberry.field(description="Which messages are matched.")


@strawberry.type(description="One version of the workspace's scoring configuration.")
class ScoringConfiguration:
    version: int = strawberry.field(description="Version number; 0 is the built-in defaults, used until a version is saved.")
    created_at: datetime | None = strawberry.field(description="When this version was saved; null for the defaults.")
    created_by: str = strawberry.field(description="Who saved this version (API key name or admin user).")
    weights: ScoringWeights = strawberry.field(description="Sub-score weights.")
    thresholds: ScoringThresholds = strawberry.field(description="Rating thresholds.")
    rules: ScoringRuleParameters = strawberry.field(description="Rule parameters.")
    custom_signals: list[CustomPhraseSignal] = strawberry.field(description="Custom phrase signals.")
    language: str = strawberry.field(description="Language of the rule phrases used when a conversation names none.")


@strawberry.type(description="A configuration value that was rejected.")
class ScoringConfigError(Error):
    code: ScoringConfigErrorCode = strawberry.field(description="The kind of problem.")
    field: list[str] = strawberry.field(
        description='Path to the bad value, for example ["customSignals", "0", "effect"]; empty for the whole input.'
    )


@strawberry.type(description="A list of configuration versions.")
class ScoringConfigVersionList:
    versions: list[ScoringConfiguration] = strawberry.field(description="Saved versions, newest first.")


@strawberry.type(description="A rescoring run and its progress.")
class RescoreRun:
    id: strawberry.ID = strawberry.field(description="The run's id.")
    status: RescoreRunStatus = strawberry.field(description="RUNNING until every conversation is scored or failed.")
    config_version: int = strawberry.field(description="The configuration version the run scores with.")
    since: datetime | None = strawberry.field(description="Start of the chosen period (inclusive), if any.")
    until: datetime | None = strawberry.field(description="End of the chosen period (exclusive), if any.")
    all: bool = strawberry.field(
        description="True when every conversation in the period is rescored, false when only outdated ones are."
    )
    total: int = strawberry.field(description="Conversations chosen for the run.")
    done: int = strawberry.field(description="Conversations scored so far.")
    failed: int = strawberry.field(description="Conversations whose scoring failed permanently.")
    pending: int = strawberry.field(description="Conversations not yet scored or failed.")
    created_at: datetime = strawberry.field(description="When the run started.")
    finished_at: datetime | None = strawberry.field(description="When the last conversation was counted.")


@strawberry.type(description="The chosen period is empty: `since` is not before `until`.")
class InvalidPeriodError(Error):
    field: list[str] = strawberry.field(description='Path to the bad value, ["until"].')


ScoringConfigResult = Annotated[
    ScoringConfiguration | NotFoundError | ScopeMissingError,
    strawberry.union("ScoringConfigResult", description="A configuration version, or why it cannot be returned."),
]
ScoringConfigVersionsResult = Annotated[
    ScoringConfigVersionList | ScopeMissingError | ScoringConfigError,
    strawberry.union("ScoringConfigVersionsResult", description="Configuration versions, or why they cannot be listed."),
]
RescoreRunResult = Annotated[
    RescoreRun | NotFoundError | ScopeMissingError,
    strawberry.union("RescoreRunResult", description="A rescoring run, or why it cannot be returned."),
]
UpdateScoringConfigError = Annotated[
    ScoringConfigError | ScopeMissingError,
    strawberry.union("UpdateScoringConfigError", description="Why a configuration change was rejected."),
]
RescoreError = Annotated[
    InvalidPeriodError | ScopeMissingError,
    strawberry.union("RescoreError", description="Why a rescoring run was not started."),
]


@strawberry.type(description="The result of updateScoringConfig.")
class UpdateScoringConfigPayload:
    config: ScoringConfiguration | None = strawberry.field(
        description="The new version, or the current one when unchanged is true; null when errors is not empty."
    )
    unchanged: bool = strawberry.field(
        default=False,
        description="True when the changes left the configuration as it was, so no version was saved.",
    )
    errors: list[UpdateScoringConfigError] = strawberry.field(
        description="Every rejected value; when present, no version was saved."
    )


@strawberry.type(description="The result of rescore.")
class RescorePayload:
    run: RescoreRun | None = strawberry.field(description="The started run; null when errors is not empty.")
    errors: list[RescoreError] = strawberry.field(description="Why no run was started.")
