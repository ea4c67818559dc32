"""A hook the example plugin offers other plugins (proves ``add_hookspecs``)."""
from portal.hookspecs import hookspec


@hookspec
def example_ping(text):
    """Answer ``text`` back (any plugin may)."""
