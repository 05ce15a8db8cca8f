from django.urls import path

from candidly.hiring import pool
from candidly.people import views

app_name = "people"

urlpatterns = [
    path("companies/", views.company_list, name="company-list"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company-edit"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/revoke-links/", views.contact_revoke_links, name="contact-revoke-links"),
    path("candidates/", views.candidate_list, name="candidate-list"),
    path("candidates/new/", views.candidate_create, name="candidate-create"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate-detail"),
    path("candidates/<int:pk>/edit/", views.candidate_edit, name="candidate-edit"),
    path("candidates/<int:pk>/revoke-links/", views.candidate_revoke_links, name="candidate-revoke-links"),
    path("talent-pool/", pool.talent_pool, name="talent-pool"),
]
