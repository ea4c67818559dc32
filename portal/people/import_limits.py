"""Ceilings of an Excel import, checked while the file is read so that a hostile or mistaken file
is refused before the work grows:

- the file's size (``IMPORT_MAX_BYTES``): the upload or the command line's file is read up to one
  byte past it, never whole;
- the .xlsx container (a zip): the uncompressed sizes in its directory are summed before
  openpyxl opens it (``IMPORT_MAX_UNCOMPRESSED_BYTES``). Python's zipfile never inflates a member
  past the size its directory declares (a member that lies fails its CRC check), so that sum
  bounds what the XML parsers can be fed: a 600 KB file cannot unpack to gigabytes;
- the sheet's rows (``IMPORT_MAX_ROWS``), counted as they stream out of openpyxl's read-only
  reader, blank ones and gaps included, and refused the moment the count passes the ceiling,
  before any row is validated. The sheet's declared dimension is ignored (it can claim 3 rows
  over 300,000, or a million columns); columns past ``MAX_COLUMNS`` are not materialised.
"""
import zipfile
from io import BytesIO

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook

#: Columns read from each row: the template has 11; a cell at XFD (16,384) must not make every
#: row 16,384 values wide.
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


def open_sheet(data: bytes, skip: tuple[str, ...] = ()):
    """(workbook, data sheet) of a file within the size and container ceilings: the first
    visible sheet whose title is not in ``skip`` (the template's instructions and lists), or the
    first sheet; the caller closes the workbook."""
    check_size(data)
    check_container(data)
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError(unreadable()) from None
    if not workbook.worksheets:
        workbook.close()
        raise ImportFileError(unreadable())
    sheet = next((s for s in workbook.worksheets
                  if s.title not in skip and getattr(s, "sheet_state", "visible") == "visible"),
                 workbook.worksheets[0])
    sheet.reset_dimensions()  # read to the real end, whatever the file declares
    return workbook, sheet


def capped_rows(sheet):
    """The sheet's rows as tuples of values (at most MAX_COLUMNS), the header first; raises
    ImportFileError as soon as there are more than IMPORT_MAX_ROWS rows after the header."""
    limit = current_app.config["IMPORT_MAX_ROWS"]
    rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    try:
        for count, values in enumerate(rows):
            if count > limit:  # count 0 is the header
                raise ImportFileError(_("文件超过%(n)d行的上限，请分成几个文件导入"
                                        "（每个不超过%(n)d行）。", n=limit))
            yield values
    except ImportFileError:
        raise
    except Exception:  # damaged XML or a member failing its CRC check half way
        raise ImportFileError(unreadable()) from None
