"""Read a PDF back as a reader would: its text page by page, its page size, its fonts.

With pypdf, in Python, so that the tests need no poppler tools on the machine.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader


def page_texts(path: Path) -> list[str]:
    """The text of each page, in reading order."""
    return [page.extract_text() for page in PdfReader(path).pages]


def layout_text(path: Path, page: int) -> str:
    """One page's text (from 0) laid out as it is printed: the running header comes first."""
    return PdfReader(path).pages[page].extract_text(extraction_mode="layout")


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """Width and height of each page in points."""
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(path).pages]


def fonts(path: Path) -> dict[str, bool]:
    """Every font the pages use, by its base name (subset prefix included), and whether the
    font program is embedded in the file (a FontFile, FontFile2 or FontFile3 stream)."""
    found: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources else None
        for ref in (font_dict.get_object() if font_dict else {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants.get_object()[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found[str(font["/BaseFont"]).lstrip("/")] = embedded
    return found
