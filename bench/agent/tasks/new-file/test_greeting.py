from greeting import greet


def test_name():
    assert greet("Ada") == "Hello, Ada!"


def test_other_name():
    assert greet("Bob") == "Hello, Bob!"
