"""Database loads for live events. Call them only through `tenants.context.run_in_schema`.

Websocket consumers share one worker thread and one Django connection per
process, whose schema is whatever the previous caller set, so these
functions never run outside a pinned schema.
"""

from __future__ import annotations

from scoring.models import RescoreRun, Score


def load_score(score_id: int) -> Score | None:
    """Return the score with its conversation, or None when it no longer exists."""
    return Score.objects.select_related("conversation").filter(pk=score_id).first()


def load_rescore_run(run_id: int) -> RescoreRun | None:
    return RescoreRun.objects.filter(pk=run_id).first()
