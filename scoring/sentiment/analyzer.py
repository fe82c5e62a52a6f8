"""Score customer messages with a loaded Flair text classifier."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scoring.engine.types import SentimentLabel, SentimentResult
from scoring.sentiment.errors import SentimentModelError
from scoring.sentiment.text import clean_text

if TYPE_CHECKING:
    from flair.data import Sentence
    from flair.models import TextClassifier
    from flair.tokenization import Tokenizer

logger = logging.getLogger(__name__)

# Outputs are rounded so that padding differences between mini-batches (last
# digits of float32 sums) do not change a stored result.
RESULT_DECIMALS = 4
# A subword tokenizer emits at most this many tokens per character (byte-level
# BPE on 4-byte UTF-8), so shorter texts cannot reach the token limit.
MAX_TOKENS_PER_CHARACTER = 4

NOT_SCORABLE = SentimentResult(
    label=SentimentLabel.NEUTRAL, value=0.0, confidence=0.0, scorable=False, truncated=False
)


@dataclass(frozen=True, slots=True)
class _PreparedText:
    text: str
    truncated: bool


def map_label(flair_label: str) -> SentimentLabel | None:
    """Map a classifier label such as "POSITIVE" or "neg" to a sentiment label."""
    name = flair_label.strip().lower()
    if name.startswith("neg"):
        return SentimentLabel.NEGATIVE
    if name.startswith("neu"):
        return SentimentLabel.NEUTRAL
    if name.startswith("pos"):
        return SentimentLabel.POSITIVE
    return None


class SentimentAnalyzer:
    """A loaded sentiment model; `analyze` scores texts in one Flair `predict` call.

    Safe to share between threads: calls to `analyze` run one at a time.
    """

    def __init__(
        self,
        classifier: TextClassifier,
        *,
        setting: str,
        version: str,
        mini_batch_size: int = 32,
        neutral_threshold: float = 0.8,
        word_tokenizer: Tokenizer | None = None,
    ) -> None:
        self.setting = setting
        self.version = version
        self.mini_batch_size = mini_batch_size
        self.neutral_threshold = neutral_threshold
        self._classifier = classifier
        self._word_tokenizer = word_tokenizer
        self._lock = threading.Lock()

        dictionary = classifier.label_dictionary
        self._label_map: dict[str, SentimentLabel] = {}
        for index in range(len(dictionary)):
            item = dictionary.get_item_for_index(index)
            label = map_label(item)
            if label is not None:
                self._label_map[item] = label
        mapped = set(self._label_map.values())
        if not {SentimentLabel.NEGATIVE, SentimentLabel.POSITIVE} <= mapped:
            raise SentimentModelError(
                setting,
                f"the model is not a sentiment classifier: its labels are {dictionary.get_items()}, "
                "expected at least a negative and a positive label. Use a sentiment model or SENTIMENT_MODEL=builtin.",
            )
        self.has_neutral_label = SentimentLabel.NEUTRAL in mapped

        self._subword_tokenizer = getattr(classifier.embeddings, "tokenizer", None)
        self.max_subword_tokens: int | None = None
        if self._subword_tokenizer is not None and getattr(classifier.embeddings, "truncate", False):
            special = self._subword_tokenizer.num_special_tokens_to_add(pair=False)
            self.max_subword_tokens = self._subword_tokenizer.model_max_length - special

    def analyze(self, texts: list[str]) -> list[SentimentResult]:
        """Return one result per text, in input order.

        Unusable texts get a neutral, not scorable result; an error on one
        text never fails the other texts.
        """
        results: list[SentimentResult] = [NOT_SCORABLE] * len(texts)
        prepared: dict[int, _PreparedText] = {}
        for index, raw in enumerate(texts):
            cleaned = clean_text(raw)
            if cleaned.scorable:
                prepared[index] = _PreparedText(cleaned.text, truncated=False)
        if not prepared:
            return results

        # The fast tokenizer used for truncation is not thread-safe either
        # ("Already borrowed"), so it runs under the same lock as predict.
        with self._lock:
            prepared = self._truncate(prepared)
            probabilities = self._predict(prepared)

        for index, label_scores in probabilities.items():
            results[index] = self._to_result(label_scores, prepared[index].truncated)
        return results

    def _truncate(self, prepared: dict[int, _PreparedText]) -> dict[int, _PreparedText]:
        """Cut texts longer than the encoder's token limit at the last token that fits."""
        limit = self.max_subword_tokens
        if limit is None:
            return prepared
        long_indices = [i for i, item in prepared.items() if len(item.text) > limit // MAX_TOKENS_PER_CHARACTER]
        if not long_indices:
            return prepared

        encoding = self._subword_tokenizer(
            [prepared[i].text for i in long_indices],
            add_special_tokens=False,
            return_offsets_mapping=True,
            truncation=False,
            verbose=False,
        )
        for position, index in enumerate(long_indices):
            offsets = encoding["offset_mapping"][position]
            if len(offsets) > limit:
                end = offsets[limit - 1][1]
                prepared[index] = _PreparedText(prepared[index].text[:end], truncated=True)
        return prepared

    def _make_sentence(self, text: str) -> Sentence:
        from flair.data import Sentence

        if self._word_tokenizer is None:
            return Sentence(text)
        return Sentence(text, use_tokenizer=self._word_tokenizer)

    def _predict(self, prepared: dict[int, _PreparedText]) -> dict[int, dict[str, float]]:
        """Run Flair `predict` on all texts at once and return label probabilities per index.

        If the batch call fails, each text is retried alone so that only the
        texts that fail on their own are left out (and reported as not scorable).
        """
        sentences: dict[int, Sentence] = {}
        for index, item in prepared.items():
            try:
                sentences[index] = self._make_sentence(item.text)
            except Exception:
                logger.exception("Sentiment: building the Flair sentence failed for text %d", index)

        try:
            self._predict_sentences(list(sentences.values()))
        except Exception:
            logger.exception("Sentiment: batch of %d texts failed; retrying them one by one", len(sentences))
            for index, sentence in list(sentences.items()):
                try:
                    self._predict_sentences([sentence])
                except Exception:
                    logger.exception("Sentiment: text %d failed and is reported as not scorable", index)
                    del sentences[index]

        probabilities: dict[int, dict[str, float]] = {}
        label_type = self._classifier.label_type
        for index, sentence in sentences.items():
            scores = {label.value: label.score for label in sentence.get_labels(label_type)}
            if scores:
                probabilities[index] = scores
        return probabilities

    def _predict_sentences(self, sentences: list[Sentence]) -> None:
        import torch

        if not sentences:
            return
        with torch.inference_mode():
            self._classifier.predict(
                sentences,
                mini_batch_size=self.mini_batch_size,
                return_probabilities_for_all_classes=True,
                embedding_storage_mode="none",
            )

    def _to_result(self, label_scores: dict[str, float], truncated: bool) -> SentimentResult:
        probability = {label: 0.0 for label in SentimentLabel}
        for item, score in label_scores.items():
            label = self._label_map.get(item)
            if label is not None:
                probability[label] += score

        value = probability[SentimentLabel.POSITIVE] - probability[SentimentLabel.NEGATIVE]
        if self.has_neutral_label:
            label = max(probability, key=lambda key: probability[key])
            confidence = probability[label]
        else:
            # A two-class model has no neutral output: a weak winner means neutral.
            winner = max((SentimentLabel.NEGATIVE, SentimentLabel.POSITIVE), key=lambda key: probability[key])
            if probability[winner] >= self.neutral_threshold:
                label, confidence = winner, probability[winner]
            else:
                label, confidence = SentimentLabel.NEUTRAL, 1.0 - abs(value)

        return SentimentResult(
            label=label,
            value=round(max(-1.0, min(1.0, value)), RESULT_DECIMALS),
            confidence=round(confidence, RESULT_DECIMALS),
            scorable=True,
            truncated=truncated,
        )

    def describe(self) -> dict[str, Any]:
        """Return the settings that shape this analyzer's output, for logs."""
        return {
            "setting": self.setting,
            "version": self.version,
            "mini_batch_size": self.mini_batch_size,
            "neutral_threshold": None if self.has_neutral_label else self.neutral_threshold,
            "max_subword_tokens": self.max_subword_tokens,
        }
