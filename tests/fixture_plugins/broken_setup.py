"""A plugin that imports but fails while setting up."""
from portal import hookimpl


@hookimpl
def register_blueprints():
    raise RuntimeError("blueprint set-up exploded")
