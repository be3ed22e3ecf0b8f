"""Shape helpers."""


def area_sq(side):
    """Return the area of a square with the given side."""
    return side * side
