from search import find_index


def test_found():
    assert find_index(["a", "b", "c"], "c") == 2


def test_found_first():
    assert find_index(["a", "b"], "a") == 0


def test_missing():
    assert find_index(["a", "b"], "z") == -1
