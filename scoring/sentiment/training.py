"""Train the builtin head: a linear layer over frozen MiniLM sentence embeddings.

The encoder stays frozen, so every training text is embedded once through
Flair (the same cleaning and the same `TransformerDocumentEmbeddings` as at
run time) and the decoder is then fitted with plain torch on those cached
vectors. The fitted weights go into the Flair classifier's decoder, and the
held-out figures are measured through `SentimentAnalyzer.analyze`, the real
Flair `predict` path.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scoring.engine.types import SentimentLabel
from scoring.sentiment.analyzer import SentimentAnalyzer
from scoring.sentiment.builtin_head import BUILTIN_DIR, LABELS, build_classifier, save_head
from scoring.sentiment.text import clean_text

logger = logging.getLogger(__name__)

# Mean rating thresholds for the shared human-rated sentences (scale about -4..4).
SHARED_NEGATIVE_MAX = -0.5
SHARED_POSITIVE_MIN = 0.5
SHARED_FILE_PATTERN = "*_GroundTruth.txt"
LABEL_NAMES = {label.value: label.value.upper() for label in SentimentLabel}


class TrainingDataError(ValueError):
    """The training data cannot be used (no valid lines, a missing file or class)."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # one of LABELS
    source: str


@dataclass(slots=True)
class LoadedData:
    examples: list[Example] = field(default_factory=list)
    # "file:line: reason" for every skipped line
    problems: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Evaluation:
    name: str
    count: int
    accuracy: float
    # confusion[true_label][predicted_label] = count, labels in LABELS order
    confusion: dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class TrainingReport:
    output_dir: Path
    train_count: int
    evaluations: list[Evaluation]
    problems: list[str]
    metadata: dict[str, Any]


def read_labelled_tsv(path: Path, data: LoadedData) -> None:
    """Add the `label<TAB>text` lines of a file to `data`, recording bad lines with their numbers."""
    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(f"training file {str(path)!r} not found.")

    count = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            label, tab, text = line.partition("\t")
            label_name = LABEL_NAMES.get(label.strip().lower())
            if not tab:
                data.problems.append(f"{path}:{number}: no tab between label and text")
                continue
            if label_name is None:
                data.problems.append(
                    f"{path}:{number}: invalid label {label.strip()!r}; expected negative, neutral or positive"
                )
                continue
            cleaned = clean_text(text)
            if not cleaned.scorable:
                data.problems.append(f"{path}:{number}: text is empty or not scorable after cleaning")
                continue
            data.examples.append(Example(cleaned.text, label_name, source=path.name))
            count += 1

    data.sources.append({"file": path.name, "sha256": _sha256(path), "examples": count})


def read_shared_sentiment(directory: Path, data: LoadedData) -> None:
    """Add the human-rated sentences (`id<TAB>mean rating<TAB>text`) under `directory` to `data`.

    Ratings <= SHARED_NEGATIVE_MAX are negative, >= SHARED_POSITIVE_MIN positive,
    anything between neutral.
    """
    directory = Path(directory)
    files = sorted(directory.glob(SHARED_FILE_PATTERN))
    if not files:
        raise TrainingDataError(f"no {SHARED_FILE_PATTERN} files found in {str(directory)!r}.")

    for path in files:
        count = 0
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                parts = line.rstrip("\r\n").split("\t")
                if len(parts) < 3:
                    data.problems.append(f"{path}:{number}: expected id, rating and text separated by tabs")
                    continue
                try:
                    rating = float(parts[1])
                except ValueError:
                    data.problems.append(f"{path}:{number}: rating {parts[1]!r} is not a number")
                    continue
                cleaned = clean_text("\t".join(parts[2:]))
                if not cleaned.scorable:
                    data.problems.append(f"{path}:{number}: text is empty or not scorable after cleaning")
                    continue
                if rating <= SHARED_NEGATIVE_MAX:
                    label = "NEGATIVE"
                elif rating >= SHARED_POSITIVE_MIN:
                    label = "POSITIVE"
                else:
                    label = "NEUTRAL"
                data.examples.append(Example(cleaned.text, label, source=f"shared:{path.name}"))
                count += 1
        data.sources.append({"file": path.name, "sha256": _sha256(path), "examples": count, "shared": True})


def split_held_out(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split examples into (train, held out), stratified by label, reproducible for a seed."""
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example)

    train: list[Example] = []
    held_out: list[Example] = []
    for label in sorted(by_label):
        group = list(by_label[label])
        rng.shuffle(group)
        cut = round(len(group) * fraction)
        held_out.extend(group[:cut])
        train.extend(group[cut:])
    return train, held_out


def embed_texts(classifier, texts: Sequence[str], batch_size: int = 64, cache: dict[str, Any] | None = None):
    """Return a (len(texts), dim) tensor of document embeddings from the classifier's encoder."""
    import torch
    from flair.data import Sentence
    from flair.tokenization import SpaceTokenizer

    tokenizer = SpaceTokenizer()
    cache = cache if cache is not None else {}
    missing = sorted({text for text in texts if _text_key(text) not in cache}, key=len)
    embeddings = classifier.embeddings
    name = embeddings.get_names()

    with torch.inference_mode():
        for start in range(0, len(missing), batch_size):
            batch = missing[start : start + batch_size]
            sentences = [Sentence(text, use_tokenizer=tokenizer) for text in batch]
            embeddings.embed(sentences)
            for text, sentence in zip(batch, sentences):
                cache[_text_key(text)] = sentence.get_embedding(name).detach().cpu().clone()
            if (start // batch_size) % 50 == 0:
                logger.info("Embedded %d of %d new texts", start + len(batch), len(missing))

    return torch.stack([cache[_text_key(text)] for text in texts])


def fit_decoder(
    features,
    labels: Sequence[int],
    sample_weights: Sequence[float],
    *,
    num_classes: int,
    epochs: int,
    seed: int,
    learning_rate: float = 0.01,
    weight_decay: float = 1e-4,
):
    """Fit a linear layer with weighted cross-entropy; return (weight, bias) tensors."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    x = features.float()
    y = torch.tensor(list(labels), dtype=torch.long)
    weights = torch.tensor(list(sample_weights), dtype=torch.float)

    # Balance the classes so the head does not favour the largest one.
    counts = torch.bincount(y, minlength=num_classes).float().clamp(min=1.0)
    class_weights = counts.sum() / (num_classes * counts)
    weights = weights * class_weights[y]
    weights = weights / weights.sum()

    layer = torch.nn.Linear(x.shape[1], num_classes)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * 0.01)
        layer.bias.zero_()
    optimizer = torch.optim.Adam(layer.parameters(), lr=learning_rate, weight_decay=weight_decay)

    with torch.enable_grad():
        for _ in range(epochs):
            optimizer.zero_grad()
            losses = torch.nn.functional.cross_entropy(layer(x), y, reduction="none")
            loss = (losses * weights).sum()
            loss.backward()
            optimizer.step()
    return layer.weight.detach().clone(), layer.bias.detach().clone()


def evaluate(analyzer: SentimentAnalyzer, examples: Sequence[Example], name: str) -> Evaluation:
    """Score examples with the analyzer and return accuracy and the confusion matrix."""
    results = analyzer.analyze([example.text for example in examples])
    confusion = {true: {predicted: 0 for predicted in LABELS} for true in LABELS}
    correct = 0
    for example, result in zip(examples, results):
        predicted = result.label.value.upper()
        confusion[example.label][predicted] += 1
        correct += predicted == example.label
    accuracy = correct / len(examples) if examples else 0.0
    return Evaluation(name=name, count=len(examples), accuracy=accuracy, confusion=confusion)


def format_confusion(evaluation: Evaluation) -> str:
    """Return the confusion matrix as a text table (rows: true label, columns: predicted)."""
    width = max(len(label) for label in LABELS) + 2
    lines = ["true \\ predicted".ljust(width + 6) + "".join(label.rjust(width) for label in LABELS)]
    for true in LABELS:
        row = "".join(str(evaluation.confusion[true][predicted]).rjust(width) for predicted in LABELS)
        lines.append(true.ljust(width + 6) + row)
    return "\n".join(lines)


def train_head(
    tsv_paths: Path | str | Iterable[Path | str],
    output_dir: Path | str = BUILTIN_DIR,
    *,
    shared_sentiment_dir: Path | str | None = None,
    seed: int = 13,
    epochs: int = 1000,
    held_out_fraction: float = 0.2,
    shared_weight: float = 0.05,
    embedding_cache_path: Path | str | None = None,
) -> TrainingReport:
    """Train the builtin head and write head.safetensors and head.json to `output_dir`.

    `tsv_paths` are `label<TAB>text` files (labels negative, neutral or
    positive, any case). A stratified `held_out_fraction` of them, and of the
    shared sentences, is kept out of training and scored afterwards.
    `shared_weight` scales the loss of each shared sentence relative to one
    support utterance, because the shared sentences are not support text.
    Raises TrainingDataError when no usable example or class is present.
    """
    import torch

    if isinstance(tsv_paths, (str, Path)):
        tsv_paths = [tsv_paths]
    data = LoadedData()
    for path in tsv_paths:
        read_labelled_tsv(Path(path), data)
    own_examples = list(data.examples)
    shared_examples: list[Example] = []
    if shared_sentiment_dir is not None:
        read_shared_sentiment(Path(shared_sentiment_dir), data)
        shared_examples = data.examples[len(own_examples) :]

    if not own_examples and not shared_examples:
        raise TrainingDataError("no usable training examples; check the reported lines.")

    own_train, own_held_out = split_held_out(own_examples, held_out_fraction, seed)
    shared_train, shared_held_out = split_held_out(shared_examples, held_out_fraction / 2, seed)
    train = own_train + shared_train
    missing = set(LABELS) - {example.label for example in train}
    if missing:
        raise TrainingDataError(f"no training examples for {sorted(missing)}; every label needs examples.")

    torch.manual_seed(seed)
    classifier = build_classifier(LABELS)
    cache = _load_cache(embedding_cache_path)
    features = embed_texts(classifier, [example.text for example in train], cache=cache)
    _save_cache(embedding_cache_path, cache)

    label_index = {label: index for index, label in enumerate(LABELS)}
    weights = [1.0] * len(own_train) + [shared_weight] * len(shared_train)
    weight, bias = fit_decoder(
        features,
        [label_index[example.label] for example in train],
        weights,
        num_classes=len(LABELS),
        epochs=epochs,
        seed=seed,
    )
    with torch.no_grad():
        classifier.decoder.weight.copy_(weight)
        classifier.decoder.bias.copy_(bias)
    classifier.eval()

    from flair.tokenization import SpaceTokenizer

    analyzer = SentimentAnalyzer(classifier, setting="training", version="training", word_tokenizer=SpaceTokenizer())
    evaluations = []
    if own_held_out:
        evaluations.append(evaluate(analyzer, own_held_out, "held-out support utterances"))
    if shared_held_out:
        evaluations.append(evaluate(analyzer, shared_held_out, "held-out shared sentences"))

    metadata = {
        "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "seed": seed,
        "epochs": epochs,
        "held_out_fraction": held_out_fraction,
        "shared_weight": shared_weight,
        "shared_thresholds": {"negative_max": SHARED_NEGATIVE_MAX, "positive_min": SHARED_POSITIVE_MIN},
        "sources": data.sources,
        "train_counts": dict(sorted(Counter(example.label for example in train).items())),
        "skipped_lines": len(data.problems),
        "evaluations": [
            {"name": e.name, "count": e.count, "accuracy": round(e.accuracy, 4), "confusion": e.confusion}
            for e in evaluations
        ],
    }
    output_dir = Path(output_dir)
    save_head(classifier, output_dir, metadata)
    return TrainingReport(
        output_dir=output_dir,
        train_count=len(train),
        evaluations=evaluations,
        problems=data.problems,
        metadata=metadata,
    )


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_cache(path: Path | str | None) -> dict[str, Any]:
    if path is None or not Path(path).is_file():
        return {}
    import torch

    return torch.load(str(path), weights_only=True)


def _save_cache(path: Path | str | None, cache: dict[str, Any]) -> None:
    if path is None:
        return
    import torch

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(cache, str(path))
