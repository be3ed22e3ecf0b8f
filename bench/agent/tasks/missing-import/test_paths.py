from paths import config_path, log_path


def test_config_path():
    assert config_path("etc") == "etc/config.json"


def test_log_path():
    assert log_path("var") == "var/app.log"
