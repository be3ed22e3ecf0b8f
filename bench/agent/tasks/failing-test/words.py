"""Word counting."""


def word_count(text):
    """Return the number of words in text; words are separated by any whitespace."""
    if not text:
        return 0
    return len(text.split(" "))
