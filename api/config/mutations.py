"""Configuration mutations: updateScoringConfig and rescore."""

from __future__ import annotations

from datetime import datetime

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.config import convert
from api.config.inputs import ScoringConfigInput
from api.config.types import InvalidPeriodError, RescorePayload, UpdateScoringConfigPayload
from api.permissions import missing_scope
from scoring import services
from tenants.context import run_in_schema

SINCE_DESCRIPTION = "Only conversations started at or after this time (the time received when no start time was sent)."
UNTIL_DESCRIPTION = "Only conversations started before this time."
ALL_DESCRIPTION = (
    "Rescore every chosen conversation. When false, only those never scored, failed, or scored under "
    "another configuration, scorer or sentiment model version, or on content that changed since."
)


def _author(info: Info) -> str:
    api_key = info.context.api_key
    return f"api key {api_key.prefix}" + (f" ({api_key.name})" if api_key.name else "")


@strawberry.type
class ConfigMutation:
    @strawberry.mutation(
        description=(
            "Validate changes to the scoring configuration and save them as a new version; earlier versions "
            "stay readable. New scores use the new version; rescore to apply it to stored conversations. "
            "Needs the `config` scope."
        )
    )
    async def update_scoring_config(
        self,
        info: Info,
        input: Annotated[ScoringConfigInput, strawberry.argument(description="The changes; omitted fields keep their values.")],
    ) -> UpdateScoringConfigPayload:
        scope_error = missing_scope(info, "config")
        if scope_error is not None:
            return UpdateScoringConfigPayload(config=None, errors=[scope_error])
        changes = convert.changes_from_input(input)
        result = await run_in_schema(info.context.schema_name, services.update_config, changes, _author(info))
        if result.errors:
            return UpdateScoringConfigPayload(config=None, errors=[convert.config_error(e) for e in result.errors])
        return UpdateScoringConfigPayload(
            config=convert.configuration(result.version), errors=[], unchanged=result.unchanged
        )

    @strawberry.mutation(
        description=(
            "Score conversations again under the current configuration and sentiment model, in the background. "
            "Earlier scores stay stored. Poll rescoreRun for progress. Needs the `config` scope."
        )
    )
    async def rescore(
        self,
        info: Info,
        since: Annotated[datetime | None, strawberry.argument(description=SINCE_DESCRIPTION)] = None,
        until: Annotated[datetime | None, strawberry.argument(description=UNTIL_DESCRIPTION)] = None,
        all: Annotated[bool, strawberry.argument(description=ALL_DESCRIPTION)] = False,
    ) -> RescorePayload:
        scope_error = missing_scope(info, "config")
        if scope_error is not None:
            return RescorePayload(run=None, errors=[scope_error])
        for name, value in (("since", since), ("until", until)):
            if value is not None and value.utcoffset() is None:
                message = (
                    f"{name} ({value.isoformat()}) has no UTC offset. "
                    f"Add one, for example {value.isoformat()}Z for UTC."
                )
                return RescorePayload(run=None, errors=[InvalidPeriodError(message=message, field=[name])])
        if since is not None and until is not None and since >= until:
            message = f"until ({until.isoformat()}) must be after since ({since.isoformat()}); widen the period."
            return RescorePayload(run=None, errors=[InvalidPeriodError(message=message, field=["until"])])
        selection = services.RescoreSelection(since=since, until=until, include_all=all)
        run = await run_in_schema(info.context.schema_name, services.start_rescore, selection)
        return RescorePayload(run=convert.rescore_run(run), errors=[])
