"""Builds a one-line report about a square."""
from shapes import area_sq


def summary(side):
    """Return e.g. 'square of side 3 has area 9'."""
    return "square of side %d has area %d" % (side, area_sq(side))
