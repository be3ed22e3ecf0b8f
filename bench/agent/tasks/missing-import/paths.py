"""Path helpers."""


def config_path(folder):
    """Return the path of config.json inside folder, e.g. 'etc/config.json'."""
    return os.path.join(folder, "config.json")


def log_path(folder):
    """Return the path of app.log inside folder."""
    return os.path.join(folder, "app.log")
