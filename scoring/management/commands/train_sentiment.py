"""Train the builtin sentiment head (see scoring.sentiment.training)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.sentiment.builtin_head import BUILTIN_DIR
from scoring.sentiment.training import TrainingDataError, format_confusion, train_head

MAX_PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Train the builtin sentiment head over the frozen MiniLM encoder, print held-out "
        "accuracy and the confusion matrix, and write head.safetensors and head.json."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            action="append",
            default=[],
            metavar="FILE",
            help="TSV file of 'label<TAB>text' lines, labels negative/neutral/positive in any case. Repeatable.",
        )
        parser.add_argument(
            "--output",
            default=str(BUILTIN_DIR),
            metavar="DIR",
            help="Directory for head.safetensors and head.json (default: the builtin model folder).",
        )
        parser.add_argument(
            "--include-shared-sentiment",
            metavar="DIR",
            help="Also train on the human-rated *_GroundTruth.txt sentence files in DIR.",
        )
        parser.add_argument("--seed", type=int, default=13, help="Random seed for the split and the head (default 13).")
        parser.add_argument("--epochs", type=int, default=1000, help="Full-batch optimiser steps (default 1000).")
        parser.add_argument(
            "--held-out-fraction",
            type=float,
            default=0.2,
            help="Share of the --data examples kept out of training for the reported accuracy (default 0.2).",
        )
        parser.add_argument(
            "--embedding-cache",
            metavar="FILE",
            help="File that keeps computed sentence embeddings between runs (optional).",
        )

    def handle(self, *args, **options):
        if not options["data"] and not options["include_shared_sentiment"]:
            raise CommandError("Give at least one --data FILE or --include-shared-sentiment DIR.")
        if options["epochs"] < 1:
            raise CommandError(f"--epochs must be at least 1, got {options['epochs']}.")
        if not 0.0 <= options["held_out_fraction"] < 1.0:
            raise CommandError(f"--held-out-fraction must be in [0, 1), got {options['held_out_fraction']}.")

        try:
            report = train_head(
                [Path(path) for path in options["data"]],
                Path(options["output"]),
                shared_sentiment_dir=options["include_shared_sentiment"],
                seed=options["seed"],
                epochs=options["epochs"],
                held_out_fraction=options["held_out_fraction"],
                embedding_cache_path=options["embedding_cache"],
            )
        except TrainingDataError as error:
            raise CommandError(str(error)) from error

        if report.problems:
            self.stderr.write(f"Skipped {len(report.problems)} invalid lines:")
            for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
                self.stderr.write(f"  {problem}")
            if len(report.problems) > MAX_PROBLEMS_SHOWN:
                self.stderr.write(f"  ... and {len(report.problems) - MAX_PROBLEMS_SHOWN} more")

        self.stdout.write(f"Trained on {report.train_count} examples: {report.metadata['train_counts']}")
        for evaluation in report.evaluations:
            self.stdout.write(f"{evaluation.name}: accuracy {evaluation.accuracy:.1%} on {evaluation.count} examples")
            self.stdout.write(format_confusion(evaluation))
        self.stdout.write(f"Wrote the head to {report.output_dir}")
