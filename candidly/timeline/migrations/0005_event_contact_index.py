"""A candidate's contact Events by time (timeline.models.CONTACT_EVENTS): the talent pool's "last contact"."""

from django.db import migrations, models

# timeline.models.CONTACT_KINDS as they are when this migration is written.
CONTACT_KINDS = (
    "touchpoint.sent",
    "email.replied",
    "candidate.roles_suggested",
    "candidate.outcome_sent",
    "call.logged",
)


class Migration(migrations.Migration):

    dependencies = [
        ('timeline', '0004_event_watch_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('actor_type', 'candidate'), ('kind__in', CONTACT_KINDS), _connector='OR'), fields=['candidate', 'occurred_at'], name='event_contact_idx'),
        ),
    ]
