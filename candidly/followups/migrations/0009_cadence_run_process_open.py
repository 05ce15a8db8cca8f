"""``CadenceRun.process_open``: a copy of "the submission is open", so the lists of feedback still owed read
the open runs through a small partial index instead of joining every run to its submission."""

from django.db import migrations, models

# The ending stages as they are when this migration is written (hiring.Submission.ENDED_STAGES).
ENDED_STAGES = ["placed", "rejected", "withdrawn"]


def mark_ended_processes(apps, schema_editor):
    # One UPDATE … WHERE id IN (SELECT … JOIN …): a few seconds for a million runs.
    CadenceRun = apps.get_model("followups", "CadenceRun")
    CadenceRun.objects.filter(interview__submission__stage__in=ENDED_STAGES).update(process_open=False)


def mark_all_open(apps, schema_editor):
    pass  # the column goes away with the reverse of AddField


class Migration(migrations.Migration):

    dependencies = [
        ("followups", "0008_open_task_kind_index"),
        ("hiring", "0007_role_title_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="cadencerun",
            name="process_open",
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.RunPython(mark_ended_processes, mark_all_open, elidable=True),
        migrations.AddIndex(
            model_name="cadencerun",
            index=models.Index(
                condition=models.Q(("audience", "hiring_manager"), ("process_open", True), ("responded_at__isnull", True)),
                fields=["respond_by", "id"],
                name="cadence_run_owed_idx",
            ),
        ),
    ]
