from __future__ import annotations

import pytest

from candidly.lib.csvcells import csv_lines, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.test")', '\'=HYPERLINK("http://evil.test")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+442079460958", "'+442079460958"),
        ("-3", "-3"),
        ("-12.5%", "-12.5%"),
        (-3, "-3"),
        (True, "yes"),
        (None, ""),
        ("Ann = Bo", "Ann = Bo"),
    ],
)
def test_safe_cell_prefixes_formula_starts(value, written):
    assert safe_cell(value) == written


def test_csv_lines_quotes_and_neutralises():
    assert list(csv_lines([["a,b", "=1+1"], ["x", None]])) == ['"a,b",\'=1+1\r\n', "x,\r\n"]
