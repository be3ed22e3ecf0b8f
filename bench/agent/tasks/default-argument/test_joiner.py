from joiner import join_words


def test_default_separator():
    assert join_words(["a", "b", "c"]) == "a b c"


def test_explicit_separator():
    assert join_words(["a", "b"], "-") == "a-b"


def test_empty():
    assert join_words([]) == ""
