"""Choose, load and cache the sentiment model named by SENTIMENT_MODEL.

Settings (environment variables):

- `SENTIMENT_MODEL`: `builtin` (default), `flair:<name>` or a path to a Flair
  model file.
- `SENTIMENT_LOAD_TIMEOUT_SECONDS`: time limit for downloading a `flair:`
  model, default 60.
- `SENTIMENT_BATCH_SIZE`: Flair `mini_batch_size`, default 32.
- `SENTIMENT_NEUTRAL_THRESHOLD`: for models with only positive and negative
  labels, a top probability below this value counts as neutral; default 0.8.
- `TORCH_NUM_THREADS`: torch intra-op threads; unset leaves torch's default.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from scoring.sentiment.analyzer import SentimentAnalyzer
from scoring.sentiment.builtin_head import head_fingerprint, load_builtin_classifier
from scoring.sentiment.errors import SentimentModelError

logger = logging.getLogger(__name__)

DEFAULT_SETTING = "builtin"
FLAIR_PREFIX = "flair:"
OFFLINE_ALTERNATIVES = "Without internet access use SENTIMENT_MODEL=builtin or a path to a Flair model file."

# Downloads the named model into Flair's cache and prints the cached path.
# It runs in a child process because Flair's download has no timeout, and a
# child can be killed when the time limit passes where a thread cannot.
# NOTE: TextClassifier._fetch_model is private Flair API (checked on Flair 0.15.1).
_FETCH_SCRIPT = (
    "import sys\n"
    "from flair.models import TextClassifier\n"
    "print(TextClassifier._fetch_model(sys.argv[1]))\n"
)

_analyzers: dict[str, SentimentAnalyzer] = {}
_analyzers_lock = threading.Lock()


def get_analyzer(setting: str | None = None) -> SentimentAnalyzer:
    """Return the process-wide analyzer for a setting, loading the model on first use.

    `setting` defaults to the SENTIMENT_MODEL environment variable, or
    `builtin` when that is unset. Raises SentimentModelError when the model
    cannot be loaded; failures are not cached, so a later call tries again.
    """
    if setting is None:
        setting = os.environ.get("SENTIMENT_MODEL", "").strip() or DEFAULT_SETTING
    with _analyzers_lock:
        analyzer = _analyzers.get(setting)
        if analyzer is None:
            started = time.perf_counter()
            analyzer = load_analyzer(setting)
            logger.info(
                "Sentiment model loaded: setting=%s version=%s load_ms=%d",
                setting,
                analyzer.version,
                (time.perf_counter() - started) * 1000,
            )
            _analyzers[setting] = analyzer
    return analyzer


def model_version(setting: str | None = None) -> str:
    """Return the version string the analyzer for a setting reports, without loading the model.

    Rescoring compares it with stored scores, and an API process should not
    load a 90 MB encoder just for that. Raises SentimentModelError for a
    model file that does not exist.
    """
    if setting is None:
        setting = os.environ.get("SENTIMENT_MODEL", "").strip() or DEFAULT_SETTING
    cached = _analyzers.get(setting)
    if cached is not None:
        return cached.version
    if setting == DEFAULT_SETTING:
        return f"builtin-{head_fingerprint()}"
    if setting.startswith(FLAIR_PREFIX):
        return f"flair:{setting[len(FLAIR_PREFIX):].strip()}"
    path = Path(setting).expanduser()
    if not path.is_file():
        raise SentimentModelError(setting, f"no model file at {path}. {OFFLINE_ALTERNATIVES}")
    return f"file:{path.name}-{_file_sha256(path)[:12]}"


def load_analyzer(setting: str) -> SentimentAnalyzer:
    """Load a new analyzer for a setting, without the process-wide cache."""
    configure_torch(setting)
    mini_batch_size = read_int_setting(setting, "SENTIMENT_BATCH_SIZE", default=32, minimum=1)
    neutral_threshold = read_float_setting(setting, "SENTIMENT_NEUTRAL_THRESHOLD", default=0.8, minimum=0.5)

    if setting == DEFAULT_SETTING:
        from flair.tokenization import SpaceTokenizer

        classifier = load_builtin_classifier()
        version = f"builtin-{head_fingerprint()}"
        # The encoder's WordPiece tokenizer splits punctuation itself, so words
        # split at spaces give the same subword tokens as the raw text, and
        # building Sentences is about 3 times faster than with segtok.
        word_tokenizer = SpaceTokenizer()
    elif setting.startswith(FLAIR_PREFIX):
        classifier, version = _load_flair_model(setting)
        word_tokenizer = None
    else:
        classifier, version = _load_model_file(setting)
        word_tokenizer = None

    return SentimentAnalyzer(
        classifier,
        setting=setting,
        version=version,
        mini_batch_size=mini_batch_size,
        neutral_threshold=neutral_threshold,
        word_tokenizer=word_tokenizer,
    )


def configure_torch(setting: str) -> None:
    """Apply TORCH_NUM_THREADS and turn off autograd for this process's inference."""
    threads = read_int_setting(setting, "TORCH_NUM_THREADS", default=None, minimum=1)
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    torch.set_grad_enabled(False)


def _load_flair_model(setting: str):
    name = setting[len(FLAIR_PREFIX) :].strip()
    if not name:
        raise SentimentModelError(setting, "no model name after 'flair:'; use for example flair:sentiment.")
    timeout_seconds = read_float_setting(setting, "SENTIMENT_LOAD_TIMEOUT_SECONDS", default=60.0, minimum=0.1)
    model_path = fetch_flair_model(setting, name, timeout_seconds)

    from flair.models import TextClassifier

    try:
        classifier = TextClassifier.load(model_path)
    except Exception as error:
        raise SentimentModelError(
            setting, f"loading the downloaded Flair model {model_path} failed ({error}). {OFFLINE_ALTERNATIVES}"
        ) from error
    return classifier, f"flair:{name}"


def fetch_flair_model(setting: str, name: str, timeout_seconds: float) -> str:
    """Download a published Flair model in a child process and return its local path.

    Raises SentimentModelError when the download fails or takes longer than
    `timeout_seconds` (the child is killed then).
    """
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _FETCH_SCRIPT, name],
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise SentimentModelError(
            setting,
            f"downloading the Flair model {name!r} timed out after {timeout_seconds:g} s "
            f"(SENTIMENT_LOAD_TIMEOUT_SECONDS). {OFFLINE_ALTERNATIVES}",
        ) from error

    if completed.returncode != 0:
        lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {completed.returncode}"
        raise SentimentModelError(
            setting, f"downloading the Flair model {name!r} failed ({reason}). {OFFLINE_ALTERNATIVES}"
        )

    model_path = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    if not Path(model_path).is_file():
        raise SentimentModelError(
            setting,
            f"{name!r} is not a published Flair model name (for example flair:sentiment). {OFFLINE_ALTERNATIVES}",
        )
    return model_path


def _load_model_file(setting: str):
    path = Path(setting).expanduser()
    if not path.exists():
        raise SentimentModelError(
            setting,
            f"model file {str(path)!r} not found. Set SENTIMENT_MODEL to builtin, flair:<name> "
            "or the path of an existing Flair model file.",
        )
    if not path.is_file():
        raise SentimentModelError(setting, f"{str(path)!r} is a directory, expected a Flair model file (.pt).")

    from flair.models import TextClassifier

    try:
        classifier = TextClassifier.load(path)
    except Exception as error:
        raise SentimentModelError(
            setting,
            f"{str(path)!r} is not a Flair TextClassifier model file ({type(error).__name__}: {error}). "
            "Save one with TextClassifier.save(), or use SENTIMENT_MODEL=builtin.",
        ) from error
    if not isinstance(classifier, TextClassifier):
        raise SentimentModelError(setting, f"{str(path)!r} contains a {type(classifier).__name__}, expected a TextClassifier.")

    return classifier, f"file:{path.name}-{_file_sha256(path)[:12]}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_int_setting(setting: str, variable: str, *, default: int | None, minimum: int) -> int | None:
    """Read a whole-number environment variable, raising SentimentModelError when invalid."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SentimentModelError(setting, f"{variable}={raw!r} is invalid; expected a whole number >= {minimum}.")
    return value


def read_float_setting(setting: str, variable: str, *, default: float, minimum: float) -> float:
    """Read a decimal environment variable, raising SentimentModelError when invalid."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not value >= minimum:
        raise SentimentModelError(setting, f"{variable}={raw!r} is invalid; expected a number >= {minimum:g}.")
    return value

