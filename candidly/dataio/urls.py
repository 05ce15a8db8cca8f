from django.urls import path

from candidly.dataio import exports, views

app_name = "dataio"

urlpatterns = [
    path("import/", views.import_upload, name="import-upload"),
    path("import/<int:pk>/", views.import_preview, name="import-preview"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("import/<int:pk>/done/", views.import_done, name="import-done"),
    path("candidates/export.csv", exports.candidates_csv, name="candidate-export"),
    path("companies/export.csv", exports.companies_csv, name="company-export"),
    path("contacts/export.csv", exports.contacts_csv, name="contact-export"),
    path("roles/export.csv", exports.roles_csv, name="role-export"),
    path("submissions/export.csv", exports.submissions_csv, name="submission-export"),
    path("interviews/export.csv", exports.interviews_csv, name="interview-export"),
]
