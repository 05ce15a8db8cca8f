from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from candidly.hiring.models import Interview


def today(request: HttpRequest) -> HttpResponse:
    """The recruiter's home: today's interviews in the viewer's zone."""
    local_today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(local_today, time.min))
    interviews = (
        Interview.objects.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .select_related("submission__candidate", "submission__role__company")
        .order_by("starts_at")
    )
    return render(request, "hiring/today.html", {"interviews": interviews, "day": local_today})
