"""Reads of contacts for pages and the API (companies and candidates, whose lists count roles and
submissions, are read in ``hiring.queries``).

Every function returns a queryset whose rows carry what a list or page shows (related rows joined or
prefetched), so rendering N rows costs the same number of queries as rendering one.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from candidly.lib.text import search_terms
from candidly.people.models import Contact


def search_contacts(q: str = "") -> QuerySet[Contact]:
    """Contacts matching ``q`` in their name, email, title or company name; company joined."""
    contacts = Contact.objects.select_related("company").order_by("name", "pk")
    q = search_terms(q)
    if q:
        contacts = contacts.filter(
            Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(title__icontains=q)
            | Q(company__name__icontains=q)
        )
    return contacts
