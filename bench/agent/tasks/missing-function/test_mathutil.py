from mathutil import add, multiply


def test_add():
    assert add(2, 3) == 5


def test_multiply():
    assert multiply(4, 5) == 20


def test_multiply_zero():
    assert multiply(7, 0) == 0
