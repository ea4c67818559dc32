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


class TextSafeSheet:
    """A write-only sheet whose ``append`` writes every string as text (cell type ``s``).

    openpyxl stores a string that starts with ``=`` as a live formula, and Excel or WPS turn a
    cell that starts with ``+``, ``-`` or ``@`` into one as soon as it is edited: a public
    report titled ``=HYPERLINK(...)`` would run in the county office's spreadsheet. Typing the
    cell as a string keeps the value exactly as the user wrote it (no quote prefix that would
    change it); numbers, dates and empty cells keep their own types."""

    def __init__(self, sheet):
        self._sheet = sheet

    def append(self, row):
        self._sheet.append([text_cell(self._sheet, value) for value in row])

    def __getattr__(self, name):  # title, column_dimensions, freeze_panes ... of the real sheet
        return getattr(self._sheet, name)

    def __setattr__(self, name, value):  # freeze_panes, sheet_state ... of the real sheet too
        if name == "_sheet":
            object.__setattr__(self, name, value)
        else:
            setattr(self._sheet, name, value)


def text_cell(sheet, value):
    """``value`` for ``sheet.append``: a string becomes a cell typed as text; anything else
    (numbers, dates, None, a cell already built) is left as it is, but a built cell holding a
    string is typed as text too."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    if isinstance(value, Cell):
        if isinstance(value.value, str):
            value.value = _printable(value.value)
            value.data_type = "s"
        return value
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=_printable(value))
    cell.data_type = "s"  # after the value: assigning a value guesses the type again
    return cell


def _printable(text: str) -> str:
    # Control characters (but tab and newlines) cannot be stored in a workbook at all: openpyxl
    # refuses the whole file, so one pasted \x07 in a case title would break the export.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


class ExportWorkbook:
    """The one way the portal writes an .xlsx: an openpyxl write-only workbook whose sheets are
    ``TextSafeSheet``s, so no user text can become a formula in any export."""

    def __init__(self):
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)

    def create_sheet(self, title=None) -> TextSafeSheet:
        return TextSafeSheet(self.workbook.create_sheet(title))

    def to_bytes(self) -> bytes:
        from io import BytesIO

        out = BytesIO()
        self.workbook.save(out)
        return out.getvalue()


def xlsx_download(workbook_or_bytes, filename: str):
    """An .xlsx attachment (an ``ExportWorkbook`` or the bytes of one) under a Chinese file
    name: RFC 5987 ``filename*`` so every browser keeps the characters. A bare openpyxl
    Workbook is refused: it would write user text that starts with ``=`` as a formula."""
    from urllib.parse import quote

    if isinstance(workbook_or_bytes, (bytes, bytearray)):
        data = bytes(workbook_or_bytes)
    elif isinstance(workbook_or_bytes, ExportWorkbook):
        data = workbook_or_bytes.to_bytes()
    else:
        raise TypeError("xlsx_download takes an ExportWorkbook (or its bytes)")
    return data, 200, {"Content-Type": XLSX,
                       "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
