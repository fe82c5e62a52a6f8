"""Configuration queries: scoringConfig, scoringConfigVersions and rescoreRun."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.config import convert
from api.config.types import (
    RescoreRunResult,
    ScoringConfigError,
    ScoringConfigErrorCode,
    ScoringConfigResult,
    ScoringConfigVersionList,
    ScoringConfigVersionsResult,
)
from api.errors import NotFoundError
from api.permissions import missing_scope
from scoring import services
from tenants.context import run_in_schema

MAX_VERSIONS = 100


@strawberry.type
class ConfigQuery:
    @strawberry.field(
        description=(
            "A version of the scoring configuration: the current one when `version` is omitted, "
            "0 for the built-in defaults. Needs the `read` or `config` scope."
        )
    )
    async def scoring_config(
        self,
        info: Info,
        version: Annotated[
            int | None, strawberry.argument(description="The version number; omit it for the current one.")
        ] = None,
    ) -> ScoringConfigResult:
        scope_error = missing_scope(info, "read", "config")
        if scope_error is not None:
            return scope_error
        if version is None:
            view = await run_in_schema(info.context.schema_name, services.current_version)
        else:
            view = await run_in_schema(info.context.schema_name, services.get_config_version, version)
        if view is None:
            return NotFoundError(
                message=f"Configuration version {version} not found. List versions with scoringConfigVersions.",
                id=str(version),
            )
        return convert.configuration(view)

    @strawberry.field(description="Saved configuration versions, newest first. Needs the `read` or `config` scope.")
    async def scoring_config_versions(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description=f"How many versions to return, 1 to {MAX_VERSIONS}.")
        ] = 20,
    ) -> ScoringConfigVersionsResult:
        scope_error = missing_scope(info, "read", "config")
        if scope_error is not None:
            return scope_error
        if not 1 <= first <= MAX_VERSIONS:
            return ScoringConfigError(
                code=ScoringConfigErrorCode.INVALID_VALUE,
                field=["first"],
                message=f"first must be between 1 and {MAX_VERSIONS}, got {first}.",
            )
        views = await run_in_schema(info.context.schema_name, services.list_config_versions, first)
        return ScoringConfigVersionList(versions=[convert.configuration(view) for view in views])

    @strawberry.field(description="A rescoring run with its progress. Needs the `read` or `config` scope.")
    async def rescore_run(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The run's id.")]
    ) -> RescoreRunResult:
        scope_error = missing_scope(info, "read", "config")
        if scope_error is not None:
            return scope_error
        run = None
        if str(id).isdigit():
            run = await run_in_schema(info.context.schema_name, services.get_rescore_run, int(id))
        if run is None:
            return NotFoundError(message=f"Rescoring run {id} not found in this workspace.", id=str(id))
        return convert.rescore_run(run)
