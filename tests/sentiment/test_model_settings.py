"""SENTIMENT_MODEL values: loading, and errors that name the setting and the fix."""

import pytest

from scoring.sentiment import SentimentModelError
from scoring.sentiment.loading import load_analyzer


@pytest.mark.timeout(120)
def test_flair_model_without_network_fails(monkeypatch):
    # Guarded by the pytest timeout: a download that hangs would fail the test.
    monkeypatch.setenv("SENTIMENT_LOAD_TIMEOUT_SECONDS", "20")

    with pytest.raises(SentimentModelError) as caught:
        load_analyzer("flair:sentiment")

    message = str(caught.value)
    assert "flair:sentiment" in message
    assert "SENTIMENT_MODEL=builtin" in message
    assert "path to a Flair model file" in message


@pytest.mark.timeout(60)
def test_flair_download_time_limit(monkeypatch):
    monkeypatch.setenv("SENTIMENT_LOAD_TIMEOUT_SECONDS", "0.5")

    with pytest.raises(SentimentModelError) as caught:
        load_analyzer("flair:sentiment")

    assert "timed out after 0.5 s" in str(caught.value)


def test_flair_prefix_without_name():
    with pytest.raises(SentimentModelError) as caught:
        load_analyzer("flair:")

    assert "no model name" in str(caught.value)


def test_missing_model_file(tmp_path):
    missing = tmp_path / "nowhere" / "model.pt"

    with pytest.raises(SentimentModelError) as caught:
        load_analyzer(str(missing))

    message = str(caught.value)
    assert str(missing) in message
    assert "not found" in message


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(SentimentModelError) as caught:
        load_analyzer(str(tmp_path))

    assert "is a directory" in str(caught.value)


def test_file_not_a_classifier(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("not a model")

    with pytest.raises(SentimentModelError) as caught:
        load_analyzer(str(path))

    assert "not a Flair TextClassifier model file" in str(caught.value)


def test_invalid_thread_count(monkeypatch):
    monkeypatch.setenv("TORCH_NUM_THREADS", "many")

    with pytest.raises(SentimentModelError) as caught:
        load_analyzer("builtin")

    assert "TORCH_NUM_THREADS='many' is invalid" in str(caught.value)


def test_builtin_loads_without_network(monkeypatch):
    import socket

    def reject_connection(*args, **kwargs):
        raise OSError("network access attempted while loading the builtin model")

    monkeypatch.setattr(socket.socket, "connect", reject_connection)
    monkeypatch.setattr(socket, "create_connection", reject_connection)

    analyzer = load_analyzer("builtin")

    [result] = analyzer.analyze(["Thank you so much, that fixed it!"])
    assert result.label.value == "positive"


@pytest.mark.slow
def test_model_file_loads(tmp_path):
    from scoring.sentiment.builtin_head import load_builtin_classifier

    path = tmp_path / "support-sentiment.pt"
    load_builtin_classifier().save(path)

    analyzer = load_analyzer(str(path))

    assert analyzer.version.startswith("file:support-sentiment.pt-")
    assert analyzer.has_neutral_label is True
    [result] = analyzer.analyze(["This is useless, I've asked three times"])
    assert result.label.value == "negative"


def test_model_version_matches_loaded_analyzer(analyzer, monkeypatch):
    from scoring.sentiment import model_version

    # Without the process cache, the version comes from the head files alone.
    monkeypatch.setattr("scoring.sentiment.loading._analyzers", {})

    assert model_version("builtin") == analyzer.version


def test_model_version_of_missing_file_names_path(tmp_path):
    from scoring.sentiment import SentimentModelError, model_version

    missing = tmp_path / "nope.pt"
    with pytest.raises(SentimentModelError, match="nope.pt"):
        model_version(str(missing))
