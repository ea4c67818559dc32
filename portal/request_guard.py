"""Input no page may pass to the database, refused for every route at once.

- ``<int:…>`` URL arguments are record ids: a number above the largest id a column can hold
  (PostgreSQL's ``integer``, SQLite's 64-bit) made the query itself fail with a 500. The ``int``
  converter now matches only 1 to 2**31 - 1, so a bigger number is a plain 404.
  Only ASCII digits match: a full-width or Arabic-Indic digit is not a record id.
- A NUL character cannot be stored in a PostgreSQL text column (psycopg refuses it in a query
  parameter too), so a form field, query argument or path containing one made any page that
  stored or searched it fail with a 500 on PostgreSQL. Such a request is a 400 before any view.
"""
from flask import abort, request
from werkzeug.routing import IntegerConverter

#: The largest id of an ``integer`` column on PostgreSQL (and so of any record).
MAX_ID = 2 ** 31 - 1


class IdConverter(IntegerConverter):
    #: ASCII digits only. werkzeug's ``\d+`` matches any Unicode digit and ``int()`` reads it,
    #: so /people/residents/４２ (full-width) or /people/residents/٤٢ named record 42 under a
    #: second spelling that no log or rule expects: now such a path matches no route (404).
    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value) -> int | None:
    """An id from a query argument or form field: ASCII digits up to MAX_ID, else None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def refuse_nul_characters():
    if "\x00" in request.path:
        abort(400)
    for multi in (request.args, request.form):
        for key, value in multi.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def init_app(app):
    """Before any blueprint is registered (the converter applies to rules as they are added)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
