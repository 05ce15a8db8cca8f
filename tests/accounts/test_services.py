"""Roles: set_role keeps staff status in step, writes the timeline, and guards the last admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from candidly.accounts.models import User
from candidly.accounts.services import set_role
from candidly.timeline.models import Event
from tests.factories import UserFactory


def _role_events() -> list[tuple[int | None, str, dict]]:
    return list(
        Event.objects.filter(kind="user.role_changed").values_list("actor_user", "actor_type", "data")
    )


def test_set_role_promotes_a_recruiter_to_admin(admin_user, recruiter):
    set_role(recruiter, role=User.Role.ADMIN, actor=admin_user)

    recruiter.refresh_from_db()
    assert (recruiter.role, recruiter.is_staff) == ("admin", True)
    assert _role_events() == [
        (admin_user.pk, "user", {"user_id": recruiter.pk, "from": "recruiter", "to": "admin"})
    ]


def test_set_role_demotes_an_admin_and_shuts_django_admin(admin_user):
    other = UserFactory(username="otto", role=User.Role.ADMIN, is_staff=True)
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get("/admin/").status_code == 200

    set_role(other, role=User.Role.RECRUITER, actor=admin_user)

    other.refresh_from_db()
    assert (other.role, other.is_staff) == ("recruiter", False)
    response = other_client.get("/admin/")
    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/")
    assert _role_events() == [
        (admin_user.pk, "user", {"user_id": other.pk, "from": "admin", "to": "recruiter"})
    ]


def test_set_role_to_the_same_role_writes_nothing(admin_user, recruiter):
    set_role(recruiter, role=User.Role.RECRUITER, actor=admin_user)

    recruiter.refresh_from_db()
    assert (recruiter.role, recruiter.is_staff, _role_events()) == ("recruiter", False, [])


def test_set_role_by_a_recruiter_is_refused(recruiter):
    colleague = UserFactory(username="sam")

    with pytest.raises(PermissionDenied):
        set_role(colleague, role=User.Role.ADMIN, actor=recruiter)

    colleague.refresh_from_db()
    assert (colleague.role, colleague.is_staff, _role_events()) == ("recruiter", False, [])


def test_set_role_refuses_to_demote_the_last_admin(admin_user):
    with pytest.raises(ValidationError) as error:
        set_role(admin_user, role=User.Role.RECRUITER, actor=admin_user)

    assert error.value.message_dict == {"role": ["This is the last admin; make someone else an admin first."]}
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_staff, _role_events()) == ("admin", True, [])


def test_set_role_refuses_an_unknown_role(admin_user, recruiter):
    with pytest.raises(ValidationError) as error:
        set_role(recruiter, role="owner", actor=admin_user)

    assert error.value.message_dict == {"role": ["Choose one of: admin, recruiter."]}
    recruiter.refresh_from_db()
    assert recruiter.role == "recruiter"


def test_set_role_keeps_a_superuser_on_staff(admin_user):
    root = UserFactory(username="root", role=User.Role.ADMIN, is_staff=True, is_superuser=True)

    set_role(root, role=User.Role.RECRUITER, actor=admin_user)

    root.refresh_from_db()
    assert (root.role, root.is_staff) == ("recruiter", True)
