"""The issued PDF signed with the organisation's certificate (PAdES, reporting/signing.py): a
test certificate authority and signing certificate are made with ``cryptography`` in a
temporary folder (no private key is committed); pyHanko validates the signature against that
root. Without a certificate the PDF is not signed."""

from __future__ import annotations

import datetime
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from khuyencong.core import roles
from reporting import services, signing
from reporting.models import Report, ReportSnapshot
from tests import factories as f
from tests.test_report_records import user_in

PASSPHRASE = "mat-khau-thu"
ORG = "SỞ CÔNG THƯƠNG TỈNH LÂM ĐỒNG"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject, issuer, key, signing_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    )
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture
def department(db):
    return user_in(roles.DEPARTMENT, "chuyenvien")


@pytest.fixture
def certificate(tmp_path, settings):
    """A root CA and the organisation's certificate under it, as PKCS#12, configured."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate(_name("CA thử nghiệm"), _name("CA thử nghiệm"), root_key, root_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(_name(ORG), root.subject, key, root_key, ca=False)
    bundle = tmp_path / "to-chuc.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"to-chuc", key, cert, [root], serialization.BestAvailableEncryption(PASSPHRASE.encode())
        )
    )
    root_path = tmp_path / "root.pem"
    root_path.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    settings.REPORT_SIGNING = {"pkcs12": str(bundle), "passphrase": PASSPHRASE}
    return load_cert_from_pemder(str(root_path))


def _issue(by) -> ReportSnapshot:
    report = services.create_report(
        by=by, year_from=2024, year_to=2024, report_date=datetime.date(2025, 3, 15), signer_name="Nguyễn Văn An", **f.NARRATIVE
    )
    services.issue_report(report=report, number="125", by=by)
    return ReportSnapshot.objects.get(report=report)


def test_the_issued_pdf_is_signed_and_the_signature_validates_over_the_whole_file(department, certificate):
    snapshot = _issue(department)
    pdf = bytes(snapshot.pdf)
    assert snapshot.signed and snapshot.package["report"]["pdf_signed"] is True

    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate], allow_fetching=False))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == ORG

    # The visible signature: the organisation and the signing time (ISO 8601, Vietnam's zone),
    # on the page of the signer block.
    reader = PdfReader(io.BytesIO(pdf))
    widgets = [
        (number, annotation.get_object())
        for number, page in enumerate(reader.pages)
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/FT") == "/Sig"
    ]
    ((number, widget),) = widgets
    # The signer block ends the report, before the annexes' pages (reporting/annex_pdf.py).
    first_annex = next(n for n, page in enumerate(reader.pages) if "PHỤ LỤC I\n" in page.extract_text())
    assert number == first_annex - 1 and "Nơi nhận" in reader.pages[number].extract_text()
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 - x1 > 100 and y2 - y1 > 30 and x1 > 200  # a box on the right, where the seal goes
    appearance = widget["/AP"]["/N"].get_data()
    assert appearance  # drawn (its text is glyph ids in an embedded font subset)
    fonts = widget["/AP"]["/N"]["/Resources"]["/Font"]
    assert any("LiberationSerif" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


def test_any_change_to_the_signed_pdf_breaks_the_signature(department, certificate):
    pdf = bytearray(_issue(department).pdf)
    at = pdf.index(b"/Type /Page")  # inside the signed byte range
    pdf[at + 1 : at + 5] = b"Typx"
    (signature,) = PdfFileReader(io.BytesIO(bytes(pdf)), strict=False).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate], allow_fetching=False))
    assert not status.intact


def test_without_a_certificate_the_pdf_is_not_signed(department, settings):
    settings.REPORT_SIGNING = {"pkcs12": "", "passphrase": ""}
    snapshot = _issue(department)
    assert not snapshot.signed and PdfFileReader(io.BytesIO(bytes(snapshot.pdf))).embedded_signatures == []


def test_a_missing_certificate_file_refuses_with_a_message_and_leaves_a_draft(department, settings, tmp_path):
    settings.REPORT_SIGNING = {"pkcs12": str(tmp_path / "khong-co.p12"), "passphrase": ""}
    with pytest.raises(ValidationError, match="không ký số được tệp PDF \\(không tìm thấy tệp chứng thư số"):
        _issue(department)
    assert not ReportSnapshot.objects.exists() and not Report.objects.filter(status=Report.Status.ISSUED).exists()


def test_a_wrong_passphrase_refuses_with_a_message(department, certificate, settings):
    settings.REPORT_SIGNING = settings.REPORT_SIGNING | {"passphrase": "sai"}
    with pytest.raises(ValidationError, match="sai mật khẩu hoặc tệp hỏng"):
        _issue(department)
    assert not ReportSnapshot.objects.exists()


def test_the_stamp_time_is_iso_8601_with_vietnams_zone():
    stamp = datetime.datetime(2025, 3, 15, 9, 5, 7, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))
    assert stamp.strftime(signing._iso_format()) == "2025-03-15T09:05:07+07:00"
