"""The documents' part of the test machinery (imported only by tests, the plugins' too): a PDF's
text as a reader would copy it, to check that what was printed says what it should."""
from io import BytesIO


def pdf_text(answer) -> str:
    """The text of every page of a PDF (a response, or its bytes), page after page."""
    from pypdf import PdfReader

    data = answer if isinstance(answer, (bytes, bytearray)) else answer.data
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def pdf_words(answer) -> str:
    """The PDF's text without its line breaks and spaces (a table's cell wraps where it must)."""
    return "".join(pdf_text(answer).split())
