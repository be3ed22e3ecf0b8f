"""Countdown helper."""


def countdown(n):
    """Return the numbers from n down to 1, e.g. countdown(3) == [3, 2, 1]."""
    return list(range(n, 1, -1))
