"""Uploading a file to the import page and following the preview, as an admin's browser would."""

from __future__ import annotations

import io

import tablib
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from candidly.dataio.models import ImportBatch


def csv_bytes(header: list[str], rows: list[list[str]], *, bom: bool = False) -> bytes:
    data = tablib.Dataset(*rows, headers=header)
    text = data.export("csv")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    return tablib.Dataset(*rows, headers=header).export("xlsx")


def upload(client: Client, kind: str, content: bytes, name: str = "people.csv"):
    return client.post(
        reverse("dataio:import-upload"),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def latest_batch() -> ImportBatch:
    return ImportBatch.objects.order_by("-pk").first()


def confirm(client: Client, batch: ImportBatch):
    return client.post(reverse("dataio:import-confirm", args=[batch.pk]))


def row_counts() -> dict[str, int]:
    """Every table's row count, the import's own batches included."""
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def read_csv(response) -> list[list[str]]:
    import csv

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))
