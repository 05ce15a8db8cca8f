# Fill Submission.responsible (0010) for the submissions that exist: the submission's recruiter, else the
# candidate's, else the role's (hiring.models.refresh_responsible keeps it from then on). Not atomic, so that
# PostgreSQL can VACUUM afterwards: the fill leaves a dead version of every row, and until a vacuum the
# new index keeps a NULL entry for each, which "nobody's" (responsible IS NULL) would read a million of.

from django.db import migrations
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # One join instead of two subqueries per row: a million submissions in seconds.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE hiring_submission s SET responsible_id = COALESCE(s.recruiter_id, c.recruiter_id, r.recruiter_id)"
                " FROM people_candidate c, hiring_role r WHERE c.id = s.candidate_id AND r.id = s.role_id"
            )
            cursor.execute("VACUUM ANALYZE hiring_submission")
        return
    Submission = apps.get_model("hiring", "Submission")
    Candidate = apps.get_model("people", "Candidate")
    Role = apps.get_model("hiring", "Role")
    Submission.objects.update(
        responsible=Coalesce(
            F("recruiter"),
            Subquery(Candidate.objects.filter(pk=OuterRef("candidate_id")).values("recruiter_id")[:1]),
            Subquery(Role.objects.filter(pk=OuterRef("role_id")).values("recruiter_id")[:1]),
        )
    )


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('hiring', '0010_submission_responsible'),
        ('people', '0008_search_trigram'),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
