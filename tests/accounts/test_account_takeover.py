"""Issue 10, hole 1: the demo inbox must not hand a recruiter the admin's password-reset link.

The audit's steps, through the pages: an anonymous reset request for the admin's address, then a recruiter
opening the in-app inbox (the default ``EMAIL_URL=inbox://``) to follow the link.
"""

from __future__ import annotations

from django.test import Client

from candidly.messaging.models import InboxMessage

INBOX = "candidly.messaging.backends.InboxBackend"


def test_password_reset_mail_never_reaches_a_recruiter_through_the_inbox(settings, admin_user, recruiter):
    settings.EMAIL_BACKEND = INBOX
    Client().post("/accounts/password-reset/", {"email": admin_user.email})
    recruiter_client = Client()
    recruiter_client.force_login(recruiter)
    reset_mail = InboxMessage.objects.get()

    listing = recruiter_client.get("/inbox/")
    detail = recruiter_client.get(f"/inbox/{reset_mail.pk}/")
    html = recruiter_client.get(f"/inbox/{reset_mail.pk}/html/")

    assert (listing.status_code, detail.status_code, html.status_code) == (403, 403, 403)


def test_password_reset_mail_is_withheld_from_the_admins_inbox_too(settings, admin_user, admin_client_):
    settings.EMAIL_BACKEND = INBOX
    Client().post("/accounts/password-reset/", {"email": admin_user.email})
    reset_mail = InboxMessage.objects.get()

    listing = admin_client_.get("/inbox/")
    detail = admin_client_.get(f"/inbox/{reset_mail.pk}/")
    html = admin_client_.get(f"/inbox/{reset_mail.pk}/html/")

    assert listing.status_code == 200
    assert list(listing.context["page"].object_list) == []
    assert (detail.status_code, html.status_code) == (404, 404)
    # Not even the database keeps the link: whoever reads the table cannot take the account over.
    assert (reset_mail.account_security, reset_mail.to, reset_mail.subject) == (
        True,
        [admin_user.email],
        "Reset your Candidly password",
    )
    assert (reset_mail.text_body, reset_mail.html_body, reset_mail.raw) == ("", "", "")
    assert "/accounts/reset/" not in str(reset_mail.headers)
