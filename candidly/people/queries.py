"""Reads of contacts for pages and the API (companies and candidates, whose lists count roles and
submissions, are read in ``hiring.queries``).

Every function returns a queryset whose rows carry what a list or page shows (related rows joined or
prefetched), so rendering N rows costs the same number of queries as rendering one.
"""

from __future__ import annotations

from django.db.models import QuerySet

from candidly.lib.search import person_match, text_match
from candidly.lib.text import search_terms
from candidly.people.models import Contact


def search_contacts(q: str = "", *, company_id: int | None = None) -> QuerySet[Contact]:
    """Contacts matching ``q`` in their name, email, title or company name (at one company if given);
    company joined."""
    contacts = Contact.objects.select_related("company").order_by("name", "pk")
    if company_id is not None:
        contacts = contacts.filter(company_id=company_id)
    q = search_terms(q)
    if q:
        contacts = contacts.filter(
            person_match(q, text=("name", "email", "title")) | text_match(q, "company__name")
        )
    return contacts


def pick_contacts(term: str = "", company_id: int | None = None) -> QuerySet[Contact]:
    """Contacts to choose from (a role's hiring manager): by name, email or phone; at one company if given."""
    contacts = Contact.objects.select_related("company").order_by("name", "pk")
    if company_id is not None:
        contacts = contacts.filter(company_id=company_id)
    term = search_terms(term)
    if term:
        contacts = contacts.filter(person_match(term, text=("name", "email")))
    return contacts
