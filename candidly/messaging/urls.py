from django.urls import path

from candidly.followups.views import feedback as feedback_views
from candidly.hiring import public_views, public_withdrawal
from candidly.messaging import sms_inbound, views

app_name = "messaging"

urlpatterns = [
    # Public link pages; tokens are unguessable, the pages reveal nothing when a token is wrong.
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # The candidate's interview pages (the 24-hour rule) live with the hiring app.
    path("l/confirm/<str:token>/", public_views.interview_confirm, name="confirm"),
    path("l/confirm/<str:token>/invite.ics", public_views.interview_invite, name="confirm-invite"),
    path("l/cancel/<str:token>/", public_views.interview_cancel, name="cancel"),
    path("l/withdraw/<str:token>/", public_withdrawal.withdraw, name="withdraw"),
    # The three questions / the manager's verdict: the follow-ups app owns these pages.
    path("l/feedback/<str:token>/", feedback_views.feedback, name="feedback"),
    # Inbound email (replies) from a provider through anymail, e.g. /anymail/postmark/inbound/.
    path("anymail/<str:provider>/inbound/", views.inbound_webhook, name="inbound-webhook"),
    # Inbound SMS (replies) from Twilio, checked by its X-Twilio-Signature.
    path("sms/inbound/twilio/", sms_inbound.twilio_inbound, name="sms-inbound-twilio"),
    # Recruiters: replies that did not come to a reply address wait here for a person to vouch for them.
    path("replies/review/", views.reply_review, name="reply-review"),
    path("replies/<int:pk>/accept/", views.reply_accept, name="reply-accept"),
    path("replies/<int:pk>/dismiss/", views.reply_dismiss, name="reply-dismiss"),
    # Admins: the demo's local inbox.
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_message, name="inbox-message"),
    path("inbox/<int:pk>/html/", views.inbox_message_html, name="inbox-message-html"),
]
