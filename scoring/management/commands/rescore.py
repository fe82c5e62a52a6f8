"""Rescore a workspace's conversations under the current configuration and sentiment model."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from scoring.services import RescoreSelection, get_rescore_run, start_rescore
from tenants.context import call_in_schema
from tenants.models import Workspace


def parse_time(value: str, *, end_of_day: bool) -> datetime:
    """Parse an ISO date or date-time; a bare date means midnight UTC (the next midnight for `end_of_day`)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Invalid date {value!r}; use YYYY-MM-DD or an ISO 8601 date-time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Enqueue rescoring of a workspace's conversations under the current configuration and sentiment model, "
        "then show progress until every job is done. Without --all, only conversations never scored, failed, "
        "or scored under another configuration, scorer or model version or on older content are chosen. "
        "Earlier scores stay stored. Needs a running worker (manage.py run_worker)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="Slug of the workspace.")
        parser.add_argument(
            "--since", help="Only conversations started on or after this date (YYYY-MM-DD, UTC) or date-time."
        )
        parser.add_argument(
            "--until", help="Only conversations started on or before this date (YYYY-MM-DD, UTC) or before this date-time."
        )
        parser.add_argument("--all", action="store_true", help="Rescore every chosen conversation, not only outdated ones.")
        parser.add_argument("--no-wait", action="store_true", help="Enqueue the jobs and exit without showing progress.")
        parser.add_argument(
            "--poll-seconds", type=float, default=1.0, help="Seconds between progress checks (default: 1)."
        )

    def handle(self, *args, slug: str, since, until, all: bool, no_wait: bool, poll_seconds: float, **options) -> None:
        if not Workspace.objects.filter(schema_name=slug).exists():
            raise CommandError(f"Workspace {slug!r} not found. List workspaces with `manage.py list_workspaces`.")
        selection = RescoreSelection(
            since=parse_time(since, end_of_day=False) if since else None,
            until=parse_time(until, end_of_day=True) if until else None,
            include_all=all,
        )
        if selection.since and selection.until and selection.since >= selection.until:
            raise CommandError("--until must be after --since.")

        run = call_in_schema(slug, start_rescore, selection)
        self.stdout.write(f"Rescore run {run.id}: {run.total} conversations under configuration v{run.config_version}.")
        if no_wait or run.total == 0:
            return

        with tqdm(total=run.total, unit="conv", file=self.stderr) as progress:
            while True:
                run = call_in_schema(slug, get_rescore_run, run.id)
                progress.n = run.done + run.failed
                progress.set_postfix(failed=run.failed)
                progress.refresh()
                if run.status == run.Status.DONE:
                    break
                time.sleep(poll_seconds)
        self.stdout.write(f"Rescore run {run.id} done: {run.done} scored, {run.failed} failed.")
