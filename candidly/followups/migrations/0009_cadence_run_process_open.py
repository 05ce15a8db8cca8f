"""``CadenceRun.process_open``: a copy of "the submission is open", so the lists of feedback still owed read
the open runs through a small partial index instead of joining every run to its submission."""

from django.db import migrations, models

# The open stages as they are when this migration is written (hiring.Submission.OPEN_STAGES).
OPEN_STAGES = ["submitted", "interviewing", "offer", "on_hold"]


def mark_open_processes(apps, schema_editor):
    # The column arrives false (no table rewrite), then one UPDATE … WHERE id IN (SELECT … JOIN …) marks
    # the open processes' runs: the few, since most processes ended long ago (a fifth of them at scale).
    CadenceRun = apps.get_model("followups", "CadenceRun")
    CadenceRun.objects.filter(interview__submission__stage__in=OPEN_STAGES).update(process_open=True)


def nothing(apps, schema_editor):
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
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(mark_open_processes, nothing, elidable=True),
        # New rows: open unless said otherwise (the raw-SQL scale loader and Django both say).
        migrations.AlterField(
            model_name="cadencerun",
            name="process_open",
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.AddIndex(
            model_name="cadencerun",
            index=models.Index(
                condition=models.Q(("audience", "hiring_manager"), ("process_open", True), ("responded_at__isnull", True)),
                fields=["respond_by", "id"],
                name="cadence_run_owed_idx",
            ),
        ),
    ]
