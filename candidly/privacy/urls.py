from django.urls import path

from candidly.privacy import views

app_name = "privacy"

urlpatterns = [
    path("candidates/<int:pk>/export/", views.candidate_export, name="candidate-export"),
    path("candidates/<int:pk>/erase/", views.candidate_erase, name="candidate-erase"),
    path("candidates/<int:pk>/consent/", views.candidate_consent, name="candidate-consent"),
    path("contacts/<int:pk>/erase/", views.contact_erase, name="contact-erase"),
    path("settings/retention/", views.retention_settings, name="retention"),
    path("audit/", views.audit_trail, name="audit"),
]
