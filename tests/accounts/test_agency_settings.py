"""The agency settings page: admins change the policy through update_agency_settings, which records it."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError

from candidly.accounts.models import AgencySettings
from candidly.accounts.services import update_agency_settings
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES

URL = "/settings/agency/"


def _form(**changes: object) -> dict[str, object]:
    """The page's POST with the defaults (PRODUCT.md's), overridden by ``changes``."""
    data: dict[str, object] = {
        "business_day_start": "09:00",
        "business_day_end": "18:00",
        "business_weekdays": ["0", "1", "2", "3", "4"],
        "cancellation_notice_hours": "24",
        "silence_business_days": "3",
    }
    data.update(changes)
    return data


def _settings_row() -> tuple[object, ...]:
    row = AgencySettings.load()
    return (
        row.business_day_start,
        row.business_day_end,
        row.business_weekdays,
        row.use_public_holidays,
        row.cancellation_notice_hours,
        row.silence_business_days,
        row.notify_manager_on_cancellation,
    )


DEFAULTS = (time(9, 0), time(18, 0), "0,1,2,3,4", False, 24, 3, False)


def test_agency_settings_show_the_defaults_to_an_admin(admin_client_):
    response = admin_client_.get(URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {
        "business_day_start": time(9, 0),
        "business_day_end": time(18, 0),
        "business_weekdays": [0, 1, 2, 3, 4],
        "use_public_holidays": False,
        "cancellation_notice_hours": 24,
        "notify_manager_on_cancellation": False,
        "silence_business_days": 3,
    }
    page = response.content.decode()
    checked = [day for day in range(7) if f'value="{day}" id="id_business_weekdays_{day}" checked' in page]
    assert checked == [0, 1, 2, 3, 4]
    assert '<label for="id_business_day_start">Business day starts' in page
    assert '<label for="id_business_weekdays_5"><input type="checkbox"' in page
    assert '<button type="submit" class="primary">Save settings</button>' in page
    assert '<a href="/settings/agency/">Agency settings</a>' in page


def test_agency_settings_save_writes_one_event_with_the_changes_and_the_actor(admin_client_, admin_user):
    data = _form(
        business_day_start="08:30",
        business_weekdays=["0", "1", "2", "3", "4", "5"],
        cancellation_notice_hours="48",
        notify_manager_on_cancellation="on",
    )

    response = admin_client_.post(URL, data)

    assert (response.status_code, response["Location"]) == (302, URL)
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["Settings saved."]
    assert _settings_row() == (time(8, 30), time(18, 0), "0,1,2,3,4,5", False, 48, 3, True)
    assert list(Event.objects.values_list("kind", "actor_user", "data")) == [
        (
            EventKind.AGENCY_SETTINGS_CHANGED,
            admin_user.pk,
            {
                "business_day_start": {"from": "09:00", "to": "08:30"},
                "business_weekdays": {"from": [0, 1, 2, 3, 4], "to": [0, 1, 2, 3, 4, 5]},
                "cancellation_notice_hours": {"from": 24, "to": 48},
                "notify_manager_on_cancellation": {"from": False, "to": True},
            },
        )
    ]


def test_agency_settings_save_of_the_same_values_writes_no_event(admin_client_):
    response = admin_client_.post(URL, _form())

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["Nothing changed."]
    assert _settings_row() == DEFAULTS
    assert list(Event.objects.values_list("kind", flat=True)) == []


def test_agency_settings_refuse_a_recruiter(recruiter_client):
    page = recruiter_client.get(URL)
    post = recruiter_client.post(URL, _form(cancellation_notice_hours="1"))

    # The same answer as /settings/cadences/ gives a recruiter.
    assert (page.status_code, post.status_code) == (403, 403)
    assert _settings_row() == DEFAULTS
    assert list(Event.objects.values_list("kind", flat=True)) == []


def test_agency_settings_are_not_in_a_recruiters_nav(recruiter_client):
    response = recruiter_client.get("/")

    assert response.status_code == 200
    assert "Agency settings" not in response.content.decode()


@pytest.mark.django_db
def test_agency_settings_send_an_anonymous_visitor_to_log_in(client):
    response = client.post(URL, _form(cancellation_notice_hours="1"))

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={URL}")
    assert _settings_row() == DEFAULTS


def test_agency_settings_invalid_input_shows_each_error_and_changes_nothing(admin_client_):
    data = _form(
        business_day_start="18:00",
        business_day_end="09:00",
        business_weekdays=[],
        cancellation_notice_hours="0",
        silence_business_days="31",
        use_public_holidays="on",
    )

    response = admin_client_.post(URL, data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "business_day_end": ["The business day must end after it starts."],
        "business_weekdays": ["Choose at least one business day."],
        "cancellation_notice_hours": ["Choose between 1 and 168 hours."],
        "silence_business_days": ["Choose between 1 and 30 business days."],
    }
    page = response.content.decode()
    assert '<p class="error" id="id_business_weekdays_error">Choose at least one business day.</p>' in page
    assert 'value="31"' in page  # what was typed is kept
    assert _settings_row() == DEFAULTS
    assert list(Event.objects.values_list("kind", flat=True)) == []


def test_agency_settings_malformed_input_is_refused_by_the_form(admin_client_):
    response = admin_client_.post(
        URL, _form(business_day_start="nine", cancellation_notice_hours="", business_weekdays=["7"])
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "business_day_start": ["Enter a valid time."],
        "business_weekdays": ["Select a valid choice. 7 is not one of the available choices."],
        "cancellation_notice_hours": ["This field is required."],
    }
    assert _settings_row() == DEFAULTS


@pytest.mark.parametrize(
    ("notice", "silence", "errors"),
    [
        ("1", "1", {}),
        ("168", "30", {}),
        ("169", "0", {"cancellation_notice_hours", "silence_business_days"}),
    ],
)
def test_agency_settings_bounds_are_inclusive(admin_client_, notice, silence, errors):
    response = admin_client_.post(URL, _form(cancellation_notice_hours=notice, silence_business_days=silence))

    if errors:
        assert (response.status_code, set(response.context["form"].errors)) == (400, errors)
        assert _settings_row() == DEFAULTS
    else:
        assert response.status_code == 302
        assert _settings_row()[4:6] == (int(notice), int(silence))


def test_agency_settings_page_runs_constant_queries(admin_client_, django_assert_num_queries):
    AgencySettings.load()
    # Session, user, the settings row; the same whatever is stored.
    with django_assert_num_queries(3 + BANNER_QUERIES):
        admin_client_.get(URL)
    AgencySettings.objects.filter(pk=1).update(business_weekdays="0,1,2,3,4,5,6", use_public_holidays=True)
    with django_assert_num_queries(3 + BANNER_QUERIES):
        response = admin_client_.get(URL)

    assert response.context["form"].initial["business_weekdays"] == [0, 1, 2, 3, 4, 5, 6]


def test_update_agency_settings_refuses_a_recruiter(recruiter):
    with pytest.raises(PermissionDenied):
        update_agency_settings(changes={"silence_business_days": 5}, actor=recruiter)

    assert _settings_row() == DEFAULTS


def test_update_agency_settings_checks_the_row_it_would_save(admin_user):
    # Only the end is given: it is checked against the stored start.
    with pytest.raises(ValidationError) as raised:
        update_agency_settings(changes={"business_day_end": time(9, 0)}, actor=admin_user)

    assert raised.value.message_dict == {"business_day_end": ["The business day must end after it starts."]}
    assert _settings_row() == DEFAULTS


def test_update_agency_settings_saves_only_what_changed(admin_user):
    changed = update_agency_settings(
        changes={"business_weekdays": [4, 0, 1, 2, 3], "silence_business_days": 5}, actor=admin_user
    )

    assert changed == ["silence_business_days"]
    assert _settings_row() == (time(9, 0), time(18, 0), "0,1,2,3,4", False, 24, 5, False)
    assert list(Event.objects.values_list("summary", "data")) == [
        ("Agency settings changed: silence business days", {"silence_business_days": {"from": 3, "to": 5}})
    ]


def test_agency_settings_django_admin_points_to_the_page(admin_client_):
    AgencySettings.load()

    listing = admin_client_.get("/admin/accounts/agencysettings/")
    change = admin_client_.post("/admin/accounts/agencysettings/1/change/", {"silence_business_days": "9"})

    assert (listing.status_code, change.status_code) == (200, 403)
    pointer = 'Change these on the <a href="/settings/agency/">Agency settings</a> page.'
    assert pointer in listing.content.decode()
    assert _settings_row() == DEFAULTS
