"""Plain checks for timeutil.py; run with `python3 test_timeutil.py`."""
from timeutil import SECONDS_PER_HOUR, hours_to_seconds


def check_constant():
    assert SECONDS_PER_HOUR == 3600, SECONDS_PER_HOUR


def check_one_hour():
    assert hours_to_seconds(1) == 3600, hours_to_seconds(1)


def check_two_hours():
    assert hours_to_seconds(2) == 7200, hours_to_seconds(2)


if __name__ == "__main__":
    checks = [v for k, v in sorted(globals().items()) if k.startswith("check_")]
    for check in checks:
        check()
        print("ok", check.__name__)
    print("%d checks passed" % len(checks))
