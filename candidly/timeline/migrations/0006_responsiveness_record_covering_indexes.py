# The record's partial indexes carry ``data`` (PostgreSQL INCLUDE): the counts and the median of answer
# times are read from the index alone, without fetching each Event from the table.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('hiring', '0009_interview_upcoming_end_index'),
        ('people', '0008_search_trigram'),
        ('timeline', '0005_event_contact_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='event',
            name='event_company_record_idx',
        ),
        migrations.RemoveIndex(
            model_name='event',
            name='event_contact_record_idx',
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('kind__in', ('followup.manager_responded', 'followup.escalated'))), fields=['company', 'kind'], include=('data',), name='event_company_record_idx'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('kind__in', ('followup.manager_responded', 'followup.escalated'))), fields=['contact', 'kind'], include=('data',), name='event_contact_record_idx'),
        ),
    ]
