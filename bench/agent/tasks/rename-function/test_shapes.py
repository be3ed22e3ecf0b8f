import shapes
import report


def test_new_name():
    assert shapes.square_area(3) == 9


def test_old_name_gone():
    assert not hasattr(shapes, "area_sq")


def test_report_uses_new_name():
    assert report.summary(3) == "square of side 3 has area 9"
