"""Throughput of the scoring pipeline against the scoring core alone.

Both sides score the same N conversations (from ../shared/data/uss-mwoz.jsonl
when present, else generated ones) in one run:

- core: in this process, no database and no broker. Customer messages go to
  `analyzer.analyze()` in chunks of BATCH_SIZE conversations (as the worker
  batches them), then `score_conversation()` scores each conversation.
- pipeline: the conversations are ingested into a workspace of their own
  without enqueuing jobs. One `manage.py run_worker` process starts and
  loads its model on one conversation (not counted). Then all jobs are
  enqueued, and the clock runs until every conversation is scored in the
  database.

Each side runs twice: a cold pass (torch meets each input shape for the
first time, which is much slower) and a warm pass on the same
conversations (the pipeline rescores them under a new configuration
version). Prints conversations per second for both passes and the ratio
pipeline / core (target >= 0.8). Uses the broker of BROKER_URL (empty: PostgreSQL on
DATABASE_URL) and the database of DATABASE_URL (default: the dev database).

Usage: .venv/bin/python bench/pipeline_throughput.py [--conversations 500] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_PATH = ROOT.parent / "shared" / "data" / "uss-mwoz.jsonl"
WORKSPACE = "bench_pipeline"
WAIT_SECONDS = 600


def load_conversations(count: int) -> list[dict]:
    """Return `count` conversations in the ingest JSON shape, each with a fresh external id."""
    run = uuid.uuid4().hex[:8]
    if DATA_PATH.exists():
        with DATA_PATH.open(encoding="utf-8") as handle:
            items = [json.loads(line) for line in handle if line.strip()]
    else:
        print(f"{DATA_PATH} not found; using generated conversations")
        items = [generated_conversation(index) for index in range(count)]
    chosen = [dict(items[index % len(items)]) for index in range(count)]
    for index, item in enumerate(chosen):
        item["externalId"] = f"bench-{run}-{index}"
    return chosen


def generated_conversation(index: int) -> dict:
    issue = ["my order is late", "I was charged twice", "the app crashes on login", "I need a new password"][index % 4]
    return {
        "externalId": f"generated-{index}",
        "messages": [
            {"role": "customer", "text": f"Hi, {issue}."},
            {"role": "ai", "text": "Sorry about that. Let me check your account."},
            {"role": "customer", "text": "Thanks, please hurry, this is the second time."},
            {"role": "ai", "text": "I have fixed it and sent you a confirmation email."},
            {"role": "customer", "text": "Great, that worked. Thank you!"},
        ],
    }


def measure_core(items: list[dict], batch_size: int) -> float:
    """Score the conversations in this process and return the elapsed seconds."""
    from conversations.validation import validate_conversation
    from scoring.engine import ScoringConfig, score_conversation
    from scoring.engine.types import ConversationInput, MessageInput, Role
    from scoring.services.scoring import get_sentiment_analyzer

    analyzer = get_sentiment_analyzer()
    config = ScoringConfig.default()
    inputs = []
    for item in items:
        valid = validate_conversation(item)
        inputs.append(
            ConversationInput(
                messages=tuple(MessageInput(role=Role(m.role), text=m.text, sent_at=m.sent_at) for m in valid.messages),
                channel=valid.channel,
                outcome_hint=valid.outcome_hint,
                started_at=valid.started_at,
                ended_at=valid.ended_at,
                language=valid.language or None,
            )
        )
    analyzer.analyze(["warm up"])

    started = time.perf_counter()
    for start in range(0, len(inputs), batch_size):
        chunk = inputs[start : start + batch_size]
        texts = [m.text for conversation in chunk for m in conversation.messages if m.role == Role.CUSTOMER]
        results = iter(analyzer.analyze(texts))
        for conversation in chunk:
            sentiments = [next(results) if m.role == Role.CUSTOMER else None for m in conversation.messages]
            score_conversation(conversation, config, sentiments, analyzer.version)
    return time.perf_counter() - started


def prepare_workspace() -> None:
    from conversations.models import Conversation
    from tenants.context import call_in_schema
    from tenants.models import Workspace
    from tenants.services import create_workspace

    if not Workspace.objects.filter(schema_name=WORKSPACE).exists():
        create_workspace(WORKSPACE, "Pipeline benchmark")

    def clear() -> None:
        Conversation.objects.update(latest_score=None)
        Conversation.objects.all().delete()

    call_in_schema(WORKSPACE, clear)


def ingest_without_jobs(items: list[dict]) -> list[int]:
    """Store the conversations; scoring is not enqueued, so the benchmark enqueues it when ready."""
    import conversations.services as ingest_services
    from conversations.validation import max_conversations_per_call

    ingest_services.enqueue_scoring = lambda schema_name, ids: None
    ids = []
    step = max_conversations_per_call()
    for start in range(0, len(items), step):
        results = ingest_services.ingest_conversations(WORKSPACE, items[start : start + step])
        ids += [result.conversation_id for result in results]
    return ids


def scored_count(ids: list[int]) -> int:
    from conversations.models import Conversation
    from tenants.context import call_in_schema

    return call_in_schema(
        WORKSPACE, lambda: Conversation.objects.filter(id__in=ids).exclude(scoring_status="pending").count()
    )


def wait_for(ids: list[int], worker: subprocess.Popen, poll_seconds: float) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while scored_count(ids) < len(ids):
        if worker.poll() is not None:
            raise SystemExit("The worker exited; see its log above.")
        if time.monotonic() > deadline:
            raise SystemExit(f"The worker did not finish within {WAIT_SECONDS} s.")
        time.sleep(poll_seconds)


def measure_pipeline(items: list[dict], threads: int) -> tuple[float, float, int]:
    """Run the conversations through one worker process twice.

    Returns the seconds of the first pass (cold: first inputs of each shape
    for torch), of the second pass (warm: rescored under a new configuration
    version, so every conversation gets a new score) and the failed count.
    """
    from conversations.models import Conversation
    from scoring.services import update_config
    from scoring.tasks import enqueue_scoring
    from tenants.context import call_in_schema

    prepare_workspace()
    warm_up_ids = ingest_without_jobs([items[0] | {"externalId": f"{items[0]['externalId']}-warm-up"}])
    ids = ingest_without_jobs(items)

    env = {**os.environ, "DRAMATIQ_STUB_BROKER": "false"}
    command = [sys.executable, "manage.py", "run_worker", "--processes", "1", "--threads", str(threads)]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        # The model load is not counted.
        enqueue_scoring(WORKSPACE, warm_up_ids)
        wait_for(warm_up_ids, worker, poll_seconds=0.5)

        started = time.perf_counter()
        enqueue_scoring(WORKSPACE, ids)
        wait_for(ids, worker, poll_seconds=0.1)
        cold_seconds = time.perf_counter() - started

        call_in_schema(WORKSPACE, update_config, {"thresholds": {"good": 59}})
        call_in_schema(WORKSPACE, lambda: Conversation.objects.filter(id__in=ids).update(scoring_status="pending"))
        started = time.perf_counter()
        enqueue_scoring(WORKSPACE, ids)
        wait_for(ids, worker, poll_seconds=0.1)
        warm_seconds = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    failed = call_in_schema(WORKSPACE, lambda: Conversation.objects.filter(id__in=ids, scoring_status="failed").count())
    return cold_seconds, warm_seconds, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=500, help="Conversations to score (default: 500).")
    parser.add_argument("--threads", type=int, default=2, help="Worker threads in the worker process (default: 2).")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DRAMATIQ_STUB_BROKER"] = "false"
    import django

    django.setup()
    from scoring.tasks import BATCH_SIZE

    items = load_conversations(args.conversations)
    core_cold = measure_core(items, BATCH_SIZE)
    core_warm = measure_core(items, BATCH_SIZE)
    pipeline_cold, pipeline_warm, failed = measure_pipeline(items, args.threads)

    count = len(items)
    print(f"conversations:  {count} ({failed} failed in the pipeline)")
    print(f"worker:         1 process, {args.threads} threads")
    print(f"{'pass':<6} {'core conv/s':>12} {'pipeline conv/s':>16} {'ratio':>6}")
    for name, core_seconds, pipeline_seconds in (("cold", core_cold, pipeline_cold), ("warm", core_warm, pipeline_warm)):
        core_rate = count / core_seconds
        pipeline_rate = count / pipeline_seconds
        print(f"{name:<6} {core_rate:>12.1f} {pipeline_rate:>16.1f} {pipeline_rate / core_rate:>6.2f}")
    print("target: ratio >= 0.8")


if __name__ == "__main__":
    main()
