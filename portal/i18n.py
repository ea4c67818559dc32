"""Compiling the translation catalogues (.po → .mo), for `make` and for the test session."""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).parent / "translations"


def compile_catalogues(directories: tuple[Path, ...] = (TRANSLATIONS,),
                      force: bool = False) -> list[Path]:
    """Compile every messages.po under ``directories`` whose .mo is missing or older."""
    written = []
    for directory in directories:
        for po_path in Path(directory).glob("*/LC_MESSAGES/messages.po"):
            mo_path = po_path.with_suffix(".mo")
            if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            written.append(mo_path)
    return written


if __name__ == "__main__":  # `python -m portal.i18n`, run by `make`
    for path in compile_catalogues(force=True):
        print(f"compiled {path}")
