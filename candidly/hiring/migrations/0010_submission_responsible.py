# Submission.responsible: the responsible recruiter (the submission's, else the candidate's, else the role's)
# stored, so "mine" reads one indexed column. Filled by 0011: Django builds this migration's index at its end,
# and an index built after the fill (the column changed in HOT-updated rows) is unusable to every
# transaction older than it (pg_index.indcheckxmin) until they end.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('hiring', '0009_interview_upcoming_end_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='submission',
            name='responsible',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
