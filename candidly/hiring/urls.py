from django.urls import path

from candidly.hiring import ending_views, pickers, public_roles, views

app_name = "hiring"

urlpatterns = [
    path("", views.today, name="today"),
    path("roles/", views.role_list, name="role-list"),
    path("roles/new/", views.role_create, name="role-create"),
    path("roles/<int:pk>/", views.role_detail, name="role-detail"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role-edit"),
    path("submissions/", views.submission_list, name="submission-list"),
    path("submissions/new/", views.submission_create, name="submission-create"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/stage/", views.submission_stage, name="submission-stage"),
    path("submissions/<int:pk>/interviews/new/", views.interview_create, name="interview-create"),
    path("interviews/", views.interview_list, name="interview-list"),
    path("interviews/<int:pk>/", views.interview_detail, name="interview-detail"),
    path("interviews/<int:pk>/edit/", views.interview_edit, name="interview-edit"),
    path("interviews/<int:pk>/outcome/", views.interview_outcome, name="interview-outcome"),
    path("interviews/<int:pk>/confirm/", views.interview_confirm, name="interview-confirm"),
    path("interviews/<int:pk>/cancel/", views.interview_cancel, name="interview-cancel"),
    path("interviews/<int:pk>/invite.ics", views.interview_invite, name="interview-invite"),
    path("interviews/<int:pk>/correct/", views.interview_correct, name="interview-correct"),
    path(
        "interviews/<int:pk>/company-change/",
        views.interview_company_change,
        name="interview-company-change",
    ),
    # Search-as-you-type for the forms' pickers (and their plain search page).
    path("pick/<slug:kind>/", pickers.pick, name="pick"),
    path("candidates/<int:pk>/events/", views.candidate_events, name="candidate-events"),
    # The end of a process (withdrawal, the company's decision) and better-suited roles.
    path("submissions/<int:pk>/end/", ending_views.submission_end, name="submission-end"),
    path("submissions/<int:pk>/ended/", ending_views.submission_ended, name="submission-ended"),
    path(
        "submissions/<int:pk>/tell-candidate/",
        ending_views.submission_tell_candidate,
        name="submission-tell-candidate",
    ),
    path("candidates/<int:pk>/suggestions/send/", ending_views.suggestions_send, name="suggestions-send"),
    # Public: a suggested role's page with "I'm interested" (signed link, no account).
    path("l/role/<str:token>/", public_roles.role_page, name="role-public"),
]
