from words import word_count


def test_simple():
    assert word_count("one two three") == 3


def test_double_spaces():
    assert word_count("one  two") == 2


def test_newline_and_edges():
    assert word_count(" one\ntwo ") == 2


def test_empty():
    assert word_count("") == 0
