"""Agreement table of scores and baselines against labels."""

from scoring.evaluation import EvaluationRow, compute_agreement, format_agreement_table

LABELS = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}


def _row(external_id, overall, turns, text):
    return EvaluationRow(external_id, overall, overall, 50.0, None, [text], turns)


ROWS = [
    _row("a", 10.0, 9, "This is terrible and I hate it"),
    _row("b", 20.0, 7, "Not good"),
    _row("c", 30.0, 5, "Fine I guess"),
    _row("d", 40.0, 3, "Wonderful, thank you so much!"),
    _row("unlabelled", 99.0, 1, "ignored"),
]


def test_agreement_columns_and_values():
    table = {row.column: row for row in compute_agreement(ROWS, LABELS)}

    assert table["overall"].rho == 1.0
    assert table["overall"].n == 4
    assert table["baseline: turn count"].rho == -1.0
    assert table["baseline: VADER mean"].rho > 0.5


def test_constant_or_missing_columns_have_no_rho():
    table = {row.column: row for row in compute_agreement(ROWS, LABELS)}

    assert table["efficiency"].rho is None
    assert table["sentiment"].n == 0
    assert table["sentiment"].rho is None


def test_format_agreement_table():
    text = format_agreement_table(compute_agreement(ROWS, LABELS), title="demo:")

    lines = text.splitlines()
    assert lines[0] == "demo:"
    assert lines[1].split() == ["column", "n", "rho", "p-value"]
    assert lines[2].split()[:3] == ["overall", "4", "+1.000"]
    assert "n/a" in text
