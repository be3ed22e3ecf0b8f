"""Price display."""


def format_price(amount):
    """Return the amount in dollars with two decimals, e.g. format_price(3.5) == "$3.50"."""
    return "$" + str(amount)
