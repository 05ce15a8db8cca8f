"""Django admin belongs to admins: recruiters are sent away, and a role changed there is recorded."""

from __future__ import annotations

from candidly.accounts.models import User
from candidly.timeline.models import Event


def test_admin_role_may_use_django_admin(admin_client_, recruiter):
    index = admin_client_.get("/admin/")
    users = admin_client_.get("/admin/accounts/user/")
    candidates = admin_client_.get("/admin/people/candidate/")

    assert (index.status_code, users.status_code, candidates.status_code) == (200, 200, 200)
    assert [user.username for user in users.context["cl"].result_list] == ["ada", "rita"]


def test_recruiter_is_sent_away_from_django_admin(recruiter_client):
    index = recruiter_client.get("/admin/")
    users = recruiter_client.get("/admin/accounts/user/")

    assert (index.status_code, index["Location"]) == (302, "/admin/login/?next=/admin/")
    assert (users.status_code, users["Location"]) == (302, "/admin/login/?next=/admin/accounts/user/")


def _change_form_data(user: User, **changes: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "role": user.role,
        "phone": user.phone,
        "time_zone": user.time_zone,
    }
    data.update(changes)
    return data


def test_role_changed_in_django_admin_follows_set_role(admin_client_, admin_user, recruiter):
    response = admin_client_.post(
        f"/admin/accounts/user/{recruiter.pk}/change/",
        _change_form_data(recruiter, role="admin", last_name="Lead"),
    )

    assert response.status_code == 302
    recruiter.refresh_from_db()
    assert (recruiter.role, recruiter.is_staff, recruiter.last_name) == ("admin", True, "Lead")
    assert list(Event.objects.filter(kind="user.role_changed").values_list("actor_user", "data")) == [
        (admin_user.pk, {"user_id": recruiter.pk, "from": "recruiter", "to": "admin"})
    ]


def test_staff_status_cannot_be_set_apart_from_the_role_in_django_admin(admin_client_, recruiter):
    admin_client_.post(
        f"/admin/accounts/user/{recruiter.pk}/change/", {**_change_form_data(recruiter), "is_staff": "on"}
    )

    recruiter.refresh_from_db()
    assert (recruiter.role, recruiter.is_staff) == ("recruiter", False)
