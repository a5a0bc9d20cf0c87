"""The issued report's PDF, signed with the organisation's certificate (PAdES, with pyHanko).

The certificate is a PKCS#12 file named by the environment (settings.REPORT_SIGNING: the
variables REPORT_SIGNING_PKCS12 and REPORT_SIGNING_PASSPHRASE, see the README); with none
configured the PDF stays unsigned and the report page says so.

Where the signature shows: Nghị định 30/2020/NĐ-CP (Phụ lục I, phần II) puts the
organisation's digital signature of an electronic document where its seal would be, over the
left third of the signer's signature, showing the organisation's name and the signing time
(date, hour, minute, second, Vietnam's time zone, ISO 8601). The PDF's layout gives the place
of the signer block (``reporting.pdf.signature_place``); the box is drawn there, on the page
the block is on. The signature covers the whole file (one incremental update, nothing after
it), so any change to the issued PDF breaks it.
"""

from __future__ import annotations

import datetime
import functools
import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tzlocal
from django.conf import settings
from django.core.exceptions import ValidationError

STAMP_WIDTH = 190.0  # points: about 67 mm, as wide as a seal with its two lines of text
STAMP_HEIGHT = 56.0
FONT = Path(settings.BASE_DIR) / "static" / "fonts" / "LiberationSerif-Regular.ttf"
FIELD_NAME = "ChuKySoCoQuan"
logger = logging.getLogger(__name__)
RED = (0.8, 0.0, 0.0)


@dataclass(frozen=True)
class Place:
    """Where the visible signature goes: a page (from 0) and a rectangle in PDF points
    (x1, y1, x2, y2, origin at the bottom left)."""

    page: int
    box: tuple[float, float, float, float]


@functools.cache
def _stamp_font() -> str:
    """Liberation Serif with 1000 units to the em, written once per process to a temporary
    file: pyHanko 0.38 writes a TrueType font's glyph widths in the font's own units as if
    they were thousandths of an em, which spreads every letter of a 2048-unit font apart."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(FONT)
    if "FFTM" in font:  # FontForge's timestamps, which the subsetter cannot keep and says so
        del font["FFTM"]
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    path = Path(tempfile.mkdtemp(prefix="khuyencong-stamp-")) / FONT.name
    font.save(path)
    return str(path)


def configured() -> bool:
    return bool(settings.REPORT_SIGNING.get("pkcs12"))


def _refuse(problem: str) -> ValidationError:
    """A certificate that cannot be used stops the issuing (the report stays a draft) with a
    message the specialist can pass on, rather than an unsigned PDF nobody asked for."""
    logger.error("report signing: %s", problem)
    return ValidationError(f"Chưa ban hành được: không ký số được tệp PDF ({problem}). Hãy báo quản trị viên.")


def _signer():
    from pyhanko.sign import signers

    path = settings.REPORT_SIGNING["pkcs12"]
    if not Path(path).is_file():
        raise _refuse(f"không tìm thấy tệp chứng thư số REPORT_SIGNING_PKCS12 “{path}”")
    passphrase = settings.REPORT_SIGNING.get("passphrase") or ""
    try:
        signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase.encode() if passphrase else None)
    except (ValueError, TypeError, OSError):
        signer = None
    if signer is None:
        raise _refuse("không đọc được chứng thư số REPORT_SIGNING_PKCS12: sai mật khẩu hoặc tệp hỏng")
    return signer


def _iso_format() -> str:
    """strftime's format for ISO 8601 with the zone as +07:00 (Python 3.11 has no %:z): the
    signing time is read in the process's local zone, which Django sets to TIME_ZONE."""
    offset = datetime.datetime.now(tz=tzlocal.get_localzone()).strftime("%z")
    return "%Y-%m-%dT%H:%M:%S" + (f"{offset[:3]}:{offset[3:]}" if offset else "")


def sign_pdf(pdf: bytes, place: Place | None) -> bytes:
    """``pdf`` signed with the organisation's certificate, the visible signature at ``place``
    (the foot of the last page when None); ``pdf`` itself when no certificate is configured."""
    if not configured():
        return pdf
    from pyhanko import stamp
    from pyhanko.pdf_utils import text
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if place is None:
        last = int(writer.root["/Pages"]["/Count"]) - 1
        place = Place(last, (340.0, 60.0, 340.0 + STAMP_WIDTH, 60.0 + STAMP_HEIGHT))
    org = settings.ORGANISATION
    signer_name = f"{org['issuing_body']} {org['parent_body'].removeprefix('UBND ')}".strip()
    style = stamp.TextStampStyle(
        stamp_text="Ký bởi: %(signer)s\nThời gian ký: %(ts)s",
        timestamp_format=_iso_format(),
        # Red, as the seal whose place it takes (NĐ 30/2020 shows the organisation's signature
        # as its seal, in red).
        text_box_style=text.TextBoxStyle(font=GlyphAccumulatorFactory(_stamp_font(), font_size=10), text_color=RED),
        border_width=1,
        border_color=RED,
        background=None,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"Ban hành văn bản của {signer_name}",
        location=org["place_name"],
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=_signer(),
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=place.page, box=place.box),
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out, appearance_text_params={"signer": signer_name})
    return out.getvalue()
