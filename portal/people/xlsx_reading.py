"""Where a worksheet's cells lie, found from the .xlsx's XML without building the sheet.

python-calamine (the import's reader) builds a dense range from the first to the last cell that
holds something, in Rust, before Python sees a row: a 4.8 KB file with cells at A1 and XFD1048576
makes it ask for 512 GiB and abort the whole process, which no ``try`` catches (0.9.1). So the
import first streams the data sheet's XML here, keeping nothing but the furthest row and column,
and refuses a sheet whose range would be too big before calamine opens it
(portal.people.import_limits). The sheet's declared ``<dimension>`` is not trusted: only the
cells are.
"""
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import iterparse

#: A cell reference: column letters and row number ("XFD1048576").
CELL_REF = re.compile(r"^([A-Za-z]{1,3})(\d{1,7})$")


class NotAWorkbook(ValueError):
    """The zip lacks a part an .xlsx needs, or its XML is broken."""


@dataclass
class Extent:
    """The furthest row and column (1-based) of the cells holding something, and a cell that
    reaches the furthest column (to name it to the user)."""
    rows: int = 0
    columns: int = 0
    far_cell: str = ""
    #: whether cells with only a style were counted (by the quick scan)
    empty_cells: bool = False

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _local(tag: str) -> str:
    """An element's or attribute's name without its namespace: strict OOXML and the usual
    transitional one name the same parts differently."""
    return tag.rsplit("}", 1)[-1]


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _elements(archive: zipfile.ZipFile, name: str):
    try:
        with archive.open(name) as stream:
            for _event, element in iterparse(stream, events=("end",)):
                yield element
    except KeyError:
        raise NotAWorkbook(name) from None


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the zip, as the workbook and its relationships say (the way
    calamine finds them)."""
    targets = {}
    for element in _elements(archive, "xl/_rels/workbook.xml.rels"):
        if _local(element.tag) == "Relationship" and element.get("Id") and element.get("Target"):
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join("xl", target))
            targets[element.get("Id")] = path
    parts = {}
    for element in _elements(archive, "xl/workbook.xml"):
        if _local(element.tag) != "sheet":
            continue
        relation = next((v for k, v in element.attrib.items()
                         if k.startswith("{") and _local(k) == "id"), None)
        if element.get("name") is not None and relation in targets:
            parts[element.get("name", "")] = targets[relation]
    return parts


def extent(archive: zipfile.ZipFile, part: str, within: int) -> Extent:
    """How far the cells of a worksheet part reach: at least as far as calamine's range, and
    exactly when that is past ``within`` cells. A sheet as spreadsheet programs write it is
    measured by a scan of its text (a second for 100,000 rows, where parsing every element
    takes several); anything unusual in it, such as prefixed tags, a cell whose reference is
    not its first attribute or a reference written twice, sends it to the parser
    (``exact_extent``), as does a range too big that may owe its size to empty cells."""
    quick = _scanned_extent(archive, part)
    if quick is None or (quick.cells > within and quick.empty_cells):
        return exact_extent(archive, part)
    return quick


#: Start tags of cells without a prefix, and a hint of one with a prefix.
ANY_CELL = re.compile(rb"<c[\s/>]")
PREFIXED_CELL = re.compile(rb":c[\s/>]")
#: A cell's start tag as Excel, LibreOffice, WPS and openpyxl write it: its reference first;
#: what follows it (the rest of the tag), its column, its row.
PLAIN_REST = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"([^>]*)>')
PLAIN_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
PLAIN_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
#: The rest of a plain tag: other attributes in double quotes, none of them an r.
PLAIN_ATTRIBUTES = re.compile(rb'(?:\s+(?!r\s*=)[\w:.-]+="[^"<>&]*")*\s*/?')
SCAN_CHUNK = 256 * 1024


def _scanned_extent(archive: zipfile.ZipFile, part: str) -> Extent | None:
    """The furthest row and column over every cell tag (those with only a style included), by
    scanning the part's text a chunk at a time; None when some cell tag is not in the plain
    form (then the parser decides)."""
    rows = 0
    letters: set[bytes] = set()
    rests: set[bytes] = set()
    try:
        with archive.open(part) as stream:
            carry = b""
            while True:
                chunk = stream.read(SCAN_CHUNK)
                text = carry + chunk
                if chunk:  # a tag may run on into the next chunk: keep it for then
                    cut = text.rfind(b"<")
                    text, carry = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                found = PLAIN_REST.findall(text)
                if len(found) != len(ANY_CELL.findall(text)) or PREFIXED_CELL.search(text):
                    return None
                if found:
                    rests.update(found)
                    letters.update(PLAIN_COLUMN.findall(text))
                    rows = max(rows, max(map(int, PLAIN_ROW.findall(text))))
                if not chunk:
                    break
    except KeyError:
        raise NotAWorkbook(part) from None
    if not all(PLAIN_ATTRIBUTES.fullmatch(rest) for rest in rests):
        return None
    if not letters:
        return Extent()
    widest = max(letters, key=lambda letters: (len(letters), letters)).decode()
    return Extent(rows, column_number(widest), f"{widest}{rows}",
                  empty_cells=any(rest.endswith(b"/") for rest in rests))


def exact_extent(archive: zipfile.ZipFile, part: str) -> Extent:
    """How far the cells of a worksheet part reach, streaming its XML: every element is dropped
    from its parent once read, so memory stays flat whatever the sheet holds (a million empty
    cells in one row included). A cell counts when it holds anything (a value, inline text or a
    formula); a cell with only a style is skipped, as calamine skips it. A row or a cell without
    its reference follows the one before, as the format says."""
    found = Extent()
    row = column = 0
    filled = False
    open_elements: list = []
    try:
        with archive.open(part) as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                name = _local(element.tag)
                if event == "start":
                    open_elements.append(element)
                    if name == "row":
                        reference = element.get("r")
                        if reference is not None and not reference.isdigit():
                            raise NotAWorkbook(f"row {reference!r}")  # what would calamine make of it?
                        row = int(reference) if reference else row + 1
                        column = 0
                    elif name == "c":
                        filled = False
                    continue
                open_elements.pop()
                parent = open_elements[-1] if open_elements else None
                if name == "c":
                    reference = element.get("r")
                    match = CELL_REF.match(reference) if reference is not None else None
                    if match:
                        column = column_number(match.group(1))
                        row = int(match.group(2))
                    elif reference is None:
                        column += 1
                    else:
                        raise NotAWorkbook(f"cell {reference!r}")
                    if filled:  # <v>, <is> or <f>: calamine makes a cell of it
                        found.rows = max(found.rows, row)
                        if column > found.columns:
                            found.columns = column
                            found.far_cell = f"{_letters(column)}{row}"
                elif parent is not None and _local(parent.tag) == "c":
                    filled = True
                if parent is not None:
                    del parent[:]  # read: let it go (its parent's attributes stay)
    except KeyError:
        raise NotAWorkbook(part) from None
    return found


def _letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
