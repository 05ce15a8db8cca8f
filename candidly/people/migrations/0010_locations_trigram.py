"""A trigram index for the talent pool's location filter (PostgreSQL only; nothing happens on SQLite).

``locations__icontains`` compiles to ``UPPER("locations"::text) LIKE UPPER('%term%')``: with the index on that
expression a place few candidates name is found from the index, instead of walking the pool in name order
until a page matches (``?location=zzz`` read every candidate: 1.6 s at a million). ANALYZE gathers statistics on
the indexed expression, so the planner also knows when a place is common and walking is cheaper.
"""

from django.db import migrations

NAME = "candidate_locations_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "people_candidate" USING gin ((UPPER("locations"::text)) gin_trgm_ops)'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("people", "0009_candidate_pool_figures")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
