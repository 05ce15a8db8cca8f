"""Trigram indexes for search (PostgreSQL only; nothing happens on SQLite).

``icontains`` compiles on PostgreSQL to ``UPPER(col::text) LIKE UPPER('%term%')``: the indexes are on that very
expression, so the planner can use them (``candidly.lib.search`` shapes the queries). Phone numbers are
matched by digits with ``contains`` (``col::text LIKE '%digits%'``), so the plain column is indexed.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (table, index name, indexed expression)
INDEXES = [
    ("people_candidate", "candidate_name_trgm", 'UPPER("name"::text)'),
    ("people_candidate", "candidate_email_trgm", 'UPPER("email"::text)'),
    ("people_candidate", "candidate_phone_trgm", '"phone"'),
    ("people_candidate", "candidate_notes_trgm", 'UPPER("notes")'),
    ("people_contact", "contact_name_trgm", 'UPPER("name"::text)'),
    ("people_contact", "contact_email_trgm", 'UPPER("email"::text)'),
    ("people_contact", "contact_phone_trgm", '"phone"'),
    ("people_company", "company_name_trgm", 'UPPER("name"::text)'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, expression in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name, _expression in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("people", "0007_search_indexes")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]
