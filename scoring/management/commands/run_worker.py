"""Start a Dramatiq worker for the scoring queue (wraps the `dramatiq` CLI)."""

import os
import sys

from django.core.management.base import BaseCommand

from scoring.tasks import QUEUE_NAME

# The CLI imports these modules in order: Django setup first, then the actors.
WORKER_MODULES = ["scoring.worker", "scoring.tasks"]


class Command(BaseCommand):
    help = (
        "Start a Dramatiq worker that runs scoring jobs from the broker in BROKER_URL "
        "(empty: the PostgreSQL broker on DATABASE_URL). Replaces this process with "
        "`python -m dramatiq scoring.worker scoring.tasks ...`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--processes", type=int, default=1, help="Worker processes; each loads its own sentiment model (default: 1)."
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=2,
            help="Worker threads per process (default: 2, so one thread runs the model while another stores results).",
        )
        parser.add_argument(
            "--queues", nargs="+", default=[QUEUE_NAME], help=f"Queues to consume (default: {QUEUE_NAME})."
        )

    def handle(self, *args, processes: int, threads: int, queues: list[str], **options) -> None:
        command = [
            sys.executable,
            "-m",
            "dramatiq",
            *WORKER_MODULES,
            "--processes",
            str(processes),
            "--threads",
            str(threads),
            "--queues",
            *queues,
        ]
        self.stderr.write(f"Starting: {' '.join(command[1:])}")
        sys.stderr.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        # exec keeps the process id, so a supervisor's signals reach Dramatiq directly.
        os.execv(sys.executable, command)
