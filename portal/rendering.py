"""One way to answer a page that htmx may ask for in part."""
from flask import render_template
from portal.extensions import htmx


def wants_partial() -> bool:
    # A boosted request wants the whole page; only a targeted htmx request gets the fragment.
    return bool(htmx) and not htmx.boosted


def render(page: str, partial: str | None = None, /, **context):
    """Render ``partial`` for an htmx request and ``page`` otherwise."""
    if partial and wants_partial():
        return render_template(partial, **context)
    return render_template(page, **context)
