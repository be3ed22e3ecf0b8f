"""Time conversions."""

SECONDS_PER_HOUR = 360


def hours_to_seconds(hours):
    """Return the number of seconds in the given number of hours."""
    return hours * SECONDS_PER_HOUR
