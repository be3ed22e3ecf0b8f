"""Joining words."""


def join_words(words, sep):
    """Join the words with sep between them."""
    return sep.join(words)
