from price import format_price


def test_two_decimals():
    assert format_price(3.5) == "$3.50"


def test_whole_number():
    assert format_price(2) == "$2.00"


def test_rounding():
    assert format_price(1.005 + 0.001) == "$1.01"
