"""Linear search."""


def find_index(items, target):
    """Return the index of target in items, or -1 when target is not in items."""
    for i, item in enumerate(items):
        if item == target:
            return i
    return 0
