"""Events parsed from NOTIFY payloads, each with one shared database load.

One notification reaches every subscription of its workspace, and all of
them need the same row. The first subscriber to ask starts the load and the
others await the same task, so N subscribers cost one query, not N.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import Error as DatabaseError
from django.db import close_old_connections
from asgiref.sync import sync_to_async

from live import loaders
from live.notify import KIND_RESCORE_PROGRESS, KIND_SCORE_STORED
from tenants.context import run_in_schema

logger = logging.getLogger(__name__)


async def load_in_schema(schema_name: str, function, *args) -> Any:
    """Run a loader in the workspace's schema; return None when the database fails twice.

    The shared worker thread's Django connection is not recycled between
    websocket events as it is between HTTP requests, so after a database
    restart it stays broken. One retry after `close_old_connections` lets it
    reconnect.
    """
    for attempt in (1, 2):
        try:
            return await run_in_schema(schema_name, function, *args)
        except DatabaseError as error:
            if attempt == 2:
                logger.warning("Live event load %s%r in %s failed: %s", function.__name__, args, schema_name, error)
                return None
            await sync_to_async(close_old_connections, thread_sensitive=True)()
    return None


@dataclass(eq=False)
class SharedLoad:
    """An event whose row is loaded once, on first request, for all subscribers."""

    schema_name: str
    _task: asyncio.Task | None = field(default=None, init=False, repr=False)

    async def load(self) -> Any:
        if self._task is None:
            self._task = asyncio.ensure_future(self._load())
        # Shielded, so one subscriber's cancellation does not cancel the load for the others.
        return await asyncio.shield(self._task)

    async def _load(self) -> Any:
        raise NotImplementedError


@dataclass(eq=False)
class ScoreStored(SharedLoad):
    conversation_id: int = 0
    score_id: int = 0
    previous_score_id: int | None = None
    kind = KIND_SCORE_STORED

    async def _load(self):
        return await load_in_schema(self.schema_name, loaders.load_score, self.score_id)


@dataclass(eq=False)
class RescoreProgressed(SharedLoad):
    run_id: int = 0
    kind = KIND_RESCORE_PROGRESS

    async def _load(self):
        return await load_in_schema(self.schema_name, loaders.load_rescore_run, self.run_id)


LiveEvent = ScoreStored | RescoreProgressed


def parse_event(schema_name: str, payload: dict) -> LiveEvent | None:
    """Build the event of a NOTIFY payload; None for kinds this version does not know.

    Raises KeyError, TypeError or ValueError for a payload of a known kind with missing or invalid ids.
    """
    kind = payload.get("kind")
    if kind == KIND_SCORE_STORED:
        previous = payload.get("previous_score_id")
        return ScoreStored(
            schema_name,
            conversation_id=int(payload["conversation_id"]),
            score_id=int(payload["score_id"]),
            previous_score_id=int(previous) if previous is not None else None,
        )
    if kind == KIND_RESCORE_PROGRESS:
        return RescoreProgressed(schema_name, run_id=int(payload["run_id"]))
    return None
