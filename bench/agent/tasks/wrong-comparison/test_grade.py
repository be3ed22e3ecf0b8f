"""Plain checks for grade.py; run with `python3 test_grade.py`."""
from grade import passed


def check_exactly_pass_mark():
    assert passed(50) is True


def check_below():
    assert passed(49) is False


def check_above():
    assert passed(80) is True


if __name__ == "__main__":
    checks = [v for k, v in sorted(globals().items()) if k.startswith("check_")]
    for check in checks:
        check()
        print("ok", check.__name__)
    print("%d checks passed" % len(checks))
