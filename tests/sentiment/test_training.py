"""Training data parsing and a small end-to-end head training."""

from pathlib import Path

import pytest

from scoring.sentiment.training import LoadedData, TrainingDataError, read_labelled_tsv, read_shared_sentiment

SHARED_SENTIMENT_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sentiment"

TRAINING_LINES = [
    "positive\tThank you, that solved my problem",
    "positive\tGreat help, really appreciate it",
    "Positive\tPerfect, everything works now, thanks!",
    "positive\tYou were super helpful today",
    "negative\tThis still does not work and I am angry",
    "negative\tTerrible service, nobody answers my emails",
    "NEGATIVE\tI have been waiting for weeks, this is ridiculous",
    "negative\tYour app is useless and keeps crashing",
    "neutral\tMy account number is 55501",
    "neutral\tI would like to change my delivery address",
    "neutral\tWhat time do you open on Monday?",
    "neutral\tThe invoice was sent to my work email",
]


def write_tsv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_tsv_bad_lines_reported(tmp_path):
    path = write_tsv(
        tmp_path / "data.tsv",
        [
            "positive\tThanks a lot",
            "no tab on this line",
            "angry\tWhere is my parcel",
            "",
            "neutral\t   ",
            "NeGaTiVe\tStill broken",
        ],
    )
    data = LoadedData()

    read_labelled_tsv(path, data)

    assert [(example.label, example.text) for example in data.examples] == [
        ("POSITIVE", "Thanks a lot"),
        ("NEGATIVE", "Still broken"),
    ]
    assert data.problems == [
        f"{path}:2: no tab between label and text",
        f"{path}:3: invalid label 'angry'; expected negative, neutral or positive",
        f"{path}:5: text is empty or not scorable after cleaning",
    ]


def test_missing_training_file(tmp_path):
    with pytest.raises(TrainingDataError) as caught:
        read_labelled_tsv(tmp_path / "absent.tsv", LoadedData())

    assert "absent.tsv" in str(caught.value)


def test_shared_sentences_three_classes():
    if not SHARED_SENTIMENT_DIR.is_dir():
        pytest.skip(f"shared sentiment data not found at {SHARED_SENTIMENT_DIR}")
    data = LoadedData()

    read_shared_sentiment(SHARED_SENTIMENT_DIR, data)

    labels = {example.label for example in data.examples}
    assert len(data.examples) > 23_000
    assert labels == {"NEGATIVE", "NEUTRAL", "POSITIVE"}
    assert len(data.sources) == 4


@pytest.mark.slow
def test_trained_head_loads_into_flair(tmp_path):
    from scoring.sentiment.analyzer import SentimentAnalyzer
    from scoring.sentiment.builtin_head import HEAD_WEIGHTS_NAME, head_fingerprint, load_builtin_classifier
    from scoring.sentiment.training import train_head

    path = write_tsv(tmp_path / "train.tsv", TRAINING_LINES + ["bogus line"])

    report = train_head([path], tmp_path / "head", seed=3, epochs=200, held_out_fraction=0.25)

    assert report.problems == [f"{path}:13: no tab between label and text"]
    assert report.train_count == 9
    assert report.evaluations[0].count == 3
    assert (tmp_path / "head" / HEAD_WEIGHTS_NAME).stat().st_size < 64 * 1024
    assert len(head_fingerprint(tmp_path / "head")) == 12

    analyzer = SentimentAnalyzer(load_builtin_classifier(tmp_path / "head"), setting="test", version="test")
    [result] = analyzer.analyze(["Thank you, that solved my problem"])
    assert result.label.value == "positive"
