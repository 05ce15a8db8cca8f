"""A trigram index on role titles for search (PostgreSQL only; see people's 0008_search_trigram)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "role_title_trgm" ON "hiring_role" '
            'USING gin ((UPPER("title"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "role_title_trgm"')


class Migration(migrations.Migration):
    dependencies = [("hiring", "0006_list_indexes"), ("people", "0008_search_trigram")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
