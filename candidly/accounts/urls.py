from django.contrib.auth import views as auth_views
from django.urls import path

from candidly.accounts import views

app_name = "accounts"

# Django marks its log-in and password-reset views ``login_not_required``; they are the only public pages
# here (tests/test_urlconf.py keeps the list). Log-out is POST only.
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-sent"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    # Admins only (accounts.permissions.require_admin), next to /settings/cadences/.
    path("settings/agency/", views.agency_settings, name="agency-settings"),
    path("settings/api-keys/", views.api_key_list, name="api-keys"),
    path("settings/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
