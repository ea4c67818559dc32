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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(workbook_or_bytes, filename: str):
    """An .xlsx attachment (an openpyxl Workbook or its bytes) under a Chinese file name: RFC 5987
    ``filename*`` so every browser keeps the characters."""
    from io import BytesIO
    from urllib.parse import quote

    if isinstance(workbook_or_bytes, (bytes, bytearray)):
        data = bytes(workbook_or_bytes)
    else:
        out = BytesIO()
        workbook_or_bytes.save(out)
        data = out.getvalue()
    return data, 200, {"Content-Type": XLSX,
                       "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
