"""The no-shows and late cancellations by time, with their candidate: who is on *watch* (hiring.reliability
.on_watch), read from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0009_candidate_pool_figures'),
        ('timeline', '0003_responsiveness_record_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('kind__in', ['interview.no_show', 'interview.late_cancellation'])), fields=['occurred_at', 'candidate', 'kind'], name='event_watch_idx'),
        ),
    ]
