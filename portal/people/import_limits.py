"""Ceilings of an Excel import, checked before and while the file is read so that a hostile or
mistaken file is refused before the work grows:

- the file's size (``IMPORT_MAX_BYTES``): the upload or the command line's file is read up to one
  byte past it, never whole;
- the .xlsx container (a zip): the uncompressed sizes in its directory are summed before any XML
  is read (``IMPORT_MAX_UNCOMPRESSED_BYTES``). Python's zipfile never inflates a member past the
  size its directory declares (a member that lies fails its CRC check), so that sum bounds what
  the XML parsers can be fed: a 600 KB file cannot unpack to gigabytes. A name twice in the
  directory is refused: the check below and the reader must see the same sheet;
- the sheet's extent: python-calamine builds the sheet as a dense range from A1 to its furthest
  filled cell, and a cell at XFD1048576 makes it ask for 512 GiB and abort the process. So the
  data sheet's XML is streamed first (portal.people.xlsx_reading) and a sheet whose range would
  pass ``(IMPORT_MAX_ROWS + 1) × MAX_COLUMNS`` cells is refused before calamine opens it: rows
  past the ceiling, or a cell far to the right of a long sheet. The declared ``<dimension>`` is
  ignored (it can claim 3 rows over 300,000, or a million columns);
- the sheet's rows (``IMPORT_MAX_ROWS``), counted as they stream out of the reader, blank ones and
  gaps included, and refused the moment the count passes the ceiling, before any row is
  validated; columns past ``MAX_COLUMNS`` are not handed on.
"""
import zipfile
from io import BytesIO

import python_calamine
from flask import current_app
from flask_babel import gettext as _

from portal.people.xlsx_reading import NotAWorkbook, extent, sheet_parts

#: Columns read from each row: the template has 11 (a user may add a column of notes); a cell at
#: XFD (16,384) must not make every row 16,384 values wide.
MAX_COLUMNS = 64
#: Members of a genuine .xlsx are a dozen or two.
MAX_MEMBERS = 1000


class ImportFileError(ValueError):
    pass


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def unreadable() -> str:
    return _("无法读取文件：请上传用模板填写的 .xlsx 文件。")


def read_capped(stream) -> bytes:
    """At most IMPORT_MAX_BYTES + 1 bytes of an upload or an open file: enough to know it is too
    big without holding all of it."""
    return stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1)


def check_size(data: bytes) -> None:
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if len(data) > limit:
        raise ImportFileError(_("文件超过%(mb)s MB 的上限，请分成几个文件导入。", mb=_mb(limit)))


def check_container(data: bytes) -> None:
    """Refuse a zip whose members would unpack past the ceiling (or that is not a zip)."""
    limit = current_app.config["IMPORT_MAX_UNCOMPRESSED_BYTES"]
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ImportFileError(unreadable()) from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > limit:
        raise ImportFileError(_("文件解压后超过%(mb)s MB，不像是用模板填写的表格；"
                                "请用模板填写，或分成几个文件导入。", mb=_mb(limit)))
    if len({m.filename for m in members}) != len(members):
        # which copy a reader takes is its own choice: the one checked might not be the one read
        raise ImportFileError(unreadable())


def too_many_rows(limit: int) -> ImportFileError:
    return ImportFileError(_("文件超过%(n)d行的上限，请分成几个文件导入（每个不超过%(n)d行）。",
                             n=limit))


def check_extent(data: bytes, sheet_name: str) -> None:
    """Refuse a sheet whose cells span a range too big to build (see the module's docstring),
    reading its XML as a stream before calamine does."""
    limit = current_app.config["IMPORT_MAX_ROWS"]
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            part = sheet_parts(archive).get(sheet_name)
            if part is None:
                raise NotAWorkbook(sheet_name)
            reach = extent(archive, part, within=(limit + 1) * MAX_COLUMNS)
    except (NotAWorkbook, zipfile.BadZipFile, OSError, ValueError, EOFError, SyntaxError):
        # SyntaxError: ElementTree's ParseError; zipfile's CRC failure is an OSError
        raise ImportFileError(unreadable()) from None
    if reach.cells <= (limit + 1) * MAX_COLUMNS:
        return
    if reach.rows > limit + 1:
        raise too_many_rows(limit)
    raise ImportFileError(_("单元格 %(cell)s 离表格太远：只读前%(n)d列，请删掉%(cell)s所在列"
                            "及其右边各列的内容后重新导入。", cell=reach.far_cell, n=MAX_COLUMNS))


def open_sheet(data: bytes, skip: tuple[str, ...] = ()):
    """(workbook, data sheet) of a file within the size, container and extent ceilings: the
    first visible worksheet whose title is not in ``skip`` (the template's instructions and
    lists), or the first worksheet; the caller closes the workbook."""
    check_size(data)
    check_container(data)
    try:
        # opening reads the workbook's list of sheets, its strings and styles: no sheet's cells
        workbook = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
        sheets = [m for m in workbook.sheets_metadata
                  if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    except Exception:  # calamine raises several kinds for a file that is not a workbook
        raise ImportFileError(unreadable()) from None
    if not sheets:
        workbook.close()
        raise ImportFileError(unreadable())
    chosen = next((m for m in sheets if m.name not in skip
                   and m.visible == python_calamine.SheetVisibleEnum.Visible), sheets[0])
    try:
        check_extent(data, chosen.name)
        sheet = workbook.get_sheet_by_name(chosen.name)
    except ImportFileError:
        workbook.close()
        raise
    except Exception:
        workbook.close()
        raise ImportFileError(unreadable()) from None
    return workbook, sheet


def capped_rows(sheet):
    """The sheet's rows as lists of values (at most MAX_COLUMNS; an empty cell is ""), from the
    sheet's first row, the header first; raises ImportFileError as soon as there are more than
    IMPORT_MAX_ROWS rows after the header."""
    limit = current_app.config["IMPORT_MAX_ROWS"]
    # calamine's rows begin at row 1 but at the first filled column: put back the empty ones
    start = sheet.start
    pad = [""] * start[1] if start else []
    try:
        for count, values in enumerate(sheet.iter_rows()):
            if count > limit:  # count 0 is the header
                raise too_many_rows(limit)
            if pad:
                values = pad + values
            yield values[:MAX_COLUMNS] if len(values) > MAX_COLUMNS else values
    except ImportFileError:
        raise
    except Exception:  # a value calamine cannot convert half way
        raise ImportFileError(unreadable()) from None
