"""Throughput of the sentiment stage against a plain transformers forward pass.

Both sides score the same customer messages with the same encoder, batch size
and torch thread count in one process:

- analyzer: `get_analyzer("builtin").analyze(texts)`, the full stage (text
  cleaning, truncation check, Flair Sentence objects, Flair `predict`, result
  mapping), in one call.
- plain: `transformers.AutoModel` on the packaged MiniLM, tokenizer padding to
  the longest text of each batch, mean pooling, and the linear head, in input
  order and again with the texts sorted by length (Flair sorts by length too).

Prints messages per second, the ratio analyzer / best plain variant (target
>= 0.8) and the process RSS with both models loaded (target <= 1 GB).

Usage: .venv/bin/python bench/sentiment_throughput.py [--messages 1000] [--batch-size 32] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_PATH = ROOT / "scoring" / "sentiment" / "data" / "support_utterances.tsv"


def load_messages(count: int) -> list[str]:
    """Return `count` support utterances from the project's labelled set, repeated as needed."""
    texts = []
    for line in DATA_PATH.read_text(encoding="utf-8").splitlines():
        _, tab, text = line.partition("\t")
        if tab and text.strip():
            texts.append(text)
    return [texts[i % len(texts)] for i in range(count)]


def plain_forward(texts: list[str], batch_size: int, tokenizer, model, weight, bias) -> float:
    """Score texts with transformers directly and return the elapsed seconds."""
    import torch

    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[start : start + batch_size], padding=True, truncation=True, max_length=512, return_tensors="pt"
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
            torch.softmax(pooled @ weight.T + bias, dim=-1).tolist()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000, help="number of messages per timed run (default 1000)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size for both sides (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads for both sides (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side; the fastest counts (default 5)")
    args = parser.parse_args()

    os.environ["TORCH_NUM_THREADS"] = str(args.threads)
    os.environ["SENTIMENT_BATCH_SIZE"] = str(args.batch_size)
    import psutil

    from scoring.sentiment import get_analyzer
    from scoring.sentiment.builtin_head import encoder_path

    started = time.perf_counter()
    analyzer = get_analyzer("builtin")
    load_seconds = time.perf_counter() - started
    rss_analyzer_mb = psutil.Process().memory_info().rss / 2**20

    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(encoder_path()))
    model = AutoModel.from_pretrained(str(encoder_path())).eval()
    decoder = analyzer._classifier.decoder
    weight, bias = decoder.weight.detach(), decoder.bias.detach()

    texts = load_messages(args.messages)
    sorted_texts = sorted(texts, key=len, reverse=True)
    analyzer.analyze(texts[:64])
    plain_forward(texts[:64], args.batch_size, tokenizer, model, weight, bias)

    def run_analyzer() -> float:
        started = time.perf_counter()
        analyzer.analyze(texts)
        return time.perf_counter() - started

    # The runs alternate so that load from other processes on the machine
    # hits all three sides alike; the fastest run of each side counts.
    analyzer_seconds = plain_seconds = plain_sorted_seconds = float("inf")
    for _ in range(args.repeats):
        analyzer_seconds = min(analyzer_seconds, run_analyzer())
        plain_seconds = min(plain_seconds, plain_forward(texts, args.batch_size, tokenizer, model, weight, bias))
        plain_sorted_seconds = min(
            plain_sorted_seconds, plain_forward(sorted_texts, args.batch_size, tokenizer, model, weight, bias)
        )

    analyzer_rate = len(texts) / analyzer_seconds
    plain_rate = len(texts) / plain_seconds
    plain_sorted_rate = len(texts) / plain_sorted_seconds
    best_plain_rate = max(plain_rate, plain_sorted_rate)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"model: {analyzer.version}; {len(texts)} messages, batch size {args.batch_size}, torch threads {torch.get_num_threads()}")
    print(f"load time (get_analyzer, incl. import flair): {load_seconds:.1f} s")
    print(f"analyzer.analyze:            {analyzer_rate:8.1f} messages/s")
    print(f"plain forward, input order:  {plain_rate:8.1f} messages/s")
    print(f"plain forward, sorted:       {plain_sorted_rate:8.1f} messages/s")
    print(f"ratio analyzer / best plain: {analyzer_rate / best_plain_rate:.2f} (target >= 0.8)")
    print(f"RSS with the analyzer loaded: {rss_analyzer_mb:.0f} MB (target <= 1024 MB)")
    print(f"peak RSS with both models loaded: {peak_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
