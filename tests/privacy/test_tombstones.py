"""What a tombstone keeps of an Event's data: the numbers and codes the reports read, never words."""

from __future__ import annotations

from candidly.privacy.erasure import scrub_event_data


def test_tombstone_data_keeps_numbers_and_codes_and_drops_every_word():
    data = {
        "response_seconds": 5400,
        "within_window": True,
        "after_step": "follow-up-email",
        "channel": "email",
        "reason": "Flight moved, sorry Rita",
        "note": "Call me on +12025550147",
        "text": "Still keen",
        "purposes": {"cancel": 2, "feedback": 1},
        "touchpoints": [4, 5],
        "to": "mara@mail.test",
        "from_kind": "interview.no_show",
        "changed": ["name", "email"],
        "received_at": "2026-03-10T12:00:00+00:00",
    }

    assert scrub_event_data(data) == {
        "response_seconds": 5400,
        "within_window": True,
        "after_step": "follow-up-email",
        "channel": "email",
        "purposes": {"cancel": 2, "feedback": 1},
        "touchpoints": [4, 5],
        "from_kind": "interview.no_show",
        "changed": ["name", "email"],
    }
