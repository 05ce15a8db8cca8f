"""Small query-building helpers for the ORM (they import none of our models)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def count_of(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) subquery: unlike ``Count`` over two joins it does not multiply rows."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
