"""Exam results."""

PASS_MARK = 50


def passed(score):
    """Return True when score is at least PASS_MARK (50 passes)."""
    return score > PASS_MARK
