"""What a search box matches, as ORM filters shaped for the trigram indexes (the ``*_trigram`` migrations).

On PostgreSQL ``icontains`` compiles to ``UPPER(col::text) LIKE UPPER('%term%')``; the migrations index
exactly that expression with ``gin_trgm_ops``, so a search reads the index instead of every row. A trigram
needs three characters: shorter terms match the start of the value (``istartswith``), no worse than a scan.
Phone numbers are stored in E.164; a term of digits matches their digits whatever the spaces, dashes or a
national leading zero. SQLite runs the same filters as plain ``LIKE`` scans: fine at a demo's size.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.db.models import Q

TRIGRAM_LENGTH = 3
MIN_PHONE_DIGITS = 4
_NOT_PHONE = re.compile(r"[^\d\s()+\-./]")


def phone_digits(term: str) -> str:
    """The digits of a term that looks like a phone number (``+44 20-7946 0000``, ``020 7946``), without a
    national leading zero; ``""`` for anything else (a name, an email, too few digits)."""
    if _NOT_PHONE.search(term):
        return ""
    digits = re.sub(r"\D", "", term).lstrip("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


def text_match(term: str, *fields: str) -> Q:
    """Rows whose ``fields`` contain ``term`` (any case); for a term under three characters, start with it."""
    lookup = "icontains" if len(term) >= TRIGRAM_LENGTH else "istartswith"
    return reduce(or_, (Q(**{f"{field}__{lookup}": term}) for field in fields))


def person_match(term: str, *, text: tuple[str, ...], phone: str = "phone") -> Q:
    """A person's row matching ``term`` in its ``text`` fields, or its phone number by digits."""
    digits = phone_digits(term)
    if digits:
        return Q(**{f"{phone}__contains": digits})
    return text_match(term, *text)
