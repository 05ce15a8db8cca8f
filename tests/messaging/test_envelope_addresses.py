"""The worker's envelope addresses: a plain address skips the parses of ``sanitize_address`` and
``smtplib.quoteaddr`` (messaging.delivery), so both must give exactly what those functions give, for plain
addresses and for everything else."""

from __future__ import annotations

import smtplib

from django.core.mail.message import sanitize_address
from hypothesis import example, given
from hypothesis import strategies as st

from candidly.messaging.delivery import _PLAIN_ADDRESS, _envelope_address, _quoted

ADDRESSES = st.one_of(
    st.from_regex(_PLAIN_ADDRESS, fullmatch=True),
    st.emails(),
    st.text(min_size=1, max_size=40),
    st.builds(lambda name, address: f"{name} <{address}>", st.text(max_size=12), st.emails()),
)


def _outcome(function, *args):
    # Any exception, not only ValueError: the standard library's header parser itself fails on some odd
    # text (AttributeError for "."-like display names); ours must fail the same way there, not differ.
    try:
        return ("value", function(*args))
    except Exception as exc:
        return ("error", type(exc).__name__)


@given(ADDRESSES)
@example("ann.lee+jobs@mail.example.com")
@example("Ann.Lee@Mail.Example.COM")
@example('"ann lee"@mail.test')
@example("Ann Lee <ann@mail.test>")
@example("zoë@mail.test")
@example("ann@bücher.example")
@example("ann@-bad-.example")
@example("a@" + "b" * 64 + ".test")
@example(".<0")
@example(".")
def test_envelope_address_is_sanitize_address(address: str) -> None:
    assert _outcome(_envelope_address, address, "utf-8") == _outcome(sanitize_address, address, "utf-8")


@given(ADDRESSES)
@example("ann.lee+jobs@mail.example.com")
@example("<>")
@example("Ann Lee <ann@mail.test>")
@example("ann@mail.test (Ann)")
def test_quoted_is_smtplib_quoteaddr(address: str) -> None:
    assert _outcome(_quoted, address) == _outcome(smtplib.quoteaddr, address)


def test_plain_address_shape() -> None:
    assert _PLAIN_ADDRESS.fullmatch("first.last+tag@mail.example")
    for odd in ("first..last@mail.test", "ann@mail..test", "Ann <ann@mail.test>", "zoë@mail.test", "ann@"):
        assert not _PLAIN_ADDRESS.fullmatch(odd)
