"""Importing people from a file (admins only: one file can add thousands of people): upload, preview,
confirm, summary. Each view checks who asks, reads the form and calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import User
from candidly.accounts.permissions import require_admin
from candidly.dataio import rows, services
from candidly.dataio.forms import UploadForm
from candidly.dataio.models import ImportBatch
from candidly.lib.tabular import MAX_BYTES, TableError, read_table

WHY = "Only an admin can import people."
# The preview lists at most this many rows of each kind; the counts are always complete.
SHOWN = 100


def import_upload(request: HttpRequest) -> HttpResponse:
    owner = require_admin(request, why=WHY)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:  # refuse before reading it into memory
                raise TableError(f"The file is too large: the limit is {MAX_BYTES // 1024 // 1024} MB.")
            table = read_table(upload.read(), upload.name or "")
            rows.check_columns(kind, table)
        except TableError as exc:
            form.add_error("file", str(exc))
        else:
            batch = services.preview_import(
                owner=owner,
                kind=kind,
                filename=upload.name or "",
                columns=table.header,
                rows=rows.validate_rows(kind, table),
                now=timezone.now(),
            )
            return redirect("dataio:import-preview", pk=batch.pk)
    return render(request, "dataio/import_upload.html", {"form": form, "columns": rows.COLUMNS})


def _batch(request: HttpRequest, pk: int) -> tuple[User, ImportBatch]:
    owner = require_admin(request, why=WHY)
    # Someone else's batch does not exist for you: it holds their file's data.
    return owner, get_object_or_404(ImportBatch, pk=pk, owner=owner)


def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    _, batch = _batch(request, pk)
    if batch.status == ImportBatch.Status.IMPORTED:
        return redirect("dataio:import-done", pk=batch.pk)
    expired = batch.expires_at <= timezone.now()
    groups = {
        action: [entry for entry in batch.rows if entry["action"] == action] for action in services.ACTIONS
    }
    context = {
        "batch": batch,
        "expired": expired,
        "groups": [
            (action, entries[:SHOWN], len(entries), max(0, len(entries) - SHOWN))
            for action, entries in groups.items()
            if entries
        ],
        "importable": batch.summary.get("create", 0) + batch.summary.get("update", 0),
    }
    return render(request, "dataio/import_preview.html", context)


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    owner, batch = _batch(request, pk)
    try:
        services.confirm_import(batch, actor=owner, now=timezone.now())
    except services.PreviewGone as exc:
        messages.error(request, str(exc))
        batch.refresh_from_db()
        if batch.status == ImportBatch.Status.IMPORTED:
            return redirect("dataio:import-done", pk=batch.pk)
        return redirect("dataio:import-upload")
    except services.PreviewOutdated as exc:
        messages.error(request, str(exc))
        return redirect("dataio:import-preview", pk=batch.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dataio:import-preview", pk=batch.pk)
    return redirect("dataio:import-done", pk=batch.pk)


def import_done(request: HttpRequest, pk: int) -> HttpResponse:
    _, batch = _batch(request, pk)
    if batch.status != ImportBatch.Status.IMPORTED:
        raise Http404("Not imported yet.")
    return render(request, "dataio/import_done.html", {"batch": batch})
