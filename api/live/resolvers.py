"""The `scoreUpdated` and `rescoreProgress` subscriptions.

Both listen through the process's `live.listener.NotificationHub` and load
rows only through `run_in_schema` with the subscriber's workspace, because
every websocket of the process shares one Django connection whose schema
is whatever the previous caller left.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.config.convert import rescore_run
from api.config.types import RescoreRun
from api.errors import NotFoundError, ScopeMissingError
from api.live.inputs import ScoreUpdatedFilter, check_score_filter, score_matches
from api.live.types import RescoreRunStatus, ScoreUpdate, ScoreUpdatedResult
from api.permissions import missing_scope
from live import loaders
from live.events import load_in_schema
from live.listener import get_hub
from live.notify import KIND_RESCORE_PROGRESS, KIND_SCORE_STORED

logger = logging.getLogger(__name__)

RescoreProgressResult = Annotated[
    RescoreRun | ScopeMissingError | NotFoundError,
    strawberry.union(
        "RescoreProgressResult",
        description="The run's counts, or (once, before the subscription ends) the reason it could not start.",
    ),
]


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description=(
            "Emits each score stored in the caller's workspace from now on, new or rescored, that passes `filter`. "
            "Delivery is at most once: after a reconnect, query `conversations(filter: {scoredSince: ...})` "
            "with the time of the last update received. Needs the `read` scope."
        )
    )
    async def score_updated(
        self,
        info: Info,
        filter: Annotated[  # noqa: A002 - the argument name is part of the API
            ScoreUpdatedFilter | None,
            strawberry.argument(description="Which updates to receive; omit it to receive every update."),
        ] = None,
    ) -> AsyncGenerator[ScoreUpdatedResult, None]:
        error = missing_scope(info, "read") or check_score_filter(filter)
        if error is not None:
            yield error
            return

        schema_name = info.context.schema_name
        async with get_hub().subscription(schema_name, [KIND_SCORE_STORED]) as subscription:
            while True:
                event = await subscription.get()
                score = await event.load()
                if score is None:
                    continue
                if score.conversation_id != event.conversation_id:
                    # The notification and the row disagree: never send a row that may come from another schema.
                    logger.error(
                        "Score %s in %s belongs to conversation %s, not %s as notified; not sent",
                        event.score_id,
                        schema_name,
                        score.conversation_id,
                        event.conversation_id,
                    )
                    continue
                if score_matches(filter, score):
                    yield ScoreUpdate.from_model(score, event.previous_score_id)

    @strawberry.subscription(
        description=(
            "Emits the counts of a rescoring run: first right away, then whenever they change, "
            "and ends after the run is done. Needs the `read` or `config` scope."
        )
    )
    async def rescore_progress(
        self,
        info: Info,
        run_id: Annotated[strawberry.ID, strawberry.argument(description="The rescoring run's id.")],
    ) -> AsyncGenerator[RescoreProgressResult, None]:
        # `config` keys start rescoring runs, so they may follow them too.
        error = missing_scope(info, "read", "config")
        if error is not None:
            yield error
            return
        not_found = NotFoundError(
            message=f"No rescoring run with id {run_id!r} exists in this workspace. Check the id.", id=str(run_id)
        )
        try:
            run_pk = int(run_id)
        except ValueError:
            yield not_found
            return

        schema_name = info.context.schema_name
        # Register before the first load, so no change between the load and the LISTEN is missed.
        async with get_hub().subscription(schema_name, [KIND_RESCORE_PROGRESS]) as subscription:
            run = await load_in_schema(schema_name, loaders.load_rescore_run, run_pk)
            if run is None:
                yield not_found
                return
            yield rescore_run(run)

            while run.status != RescoreRunStatus.DONE.value:
                events = [await subscription.get(), *subscription.pending()]
                ours = [event for event in events if event.run_id == run_pk]
                if not ours:
                    continue
                # Events queued meanwhile are covered by the newest one's load.
                latest = await ours[-1].load()
                if latest is None:
                    continue
                run = latest
                yield rescore_run(run)
