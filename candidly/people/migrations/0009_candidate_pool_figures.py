"""The talent pool's copies on the candidate row (last ended process, open processes, interview outcomes),
filled set-based from the submissions and Events, then the partial indexes the pool pages by.

The copies are kept afterwards by ``hiring.services.pool_figures.refresh_pool_figures``; this fill is its
rule written as one grouped UPDATE (a million candidates: one pass over each table, no per-row subquery).
"""

from django.db import migrations, models

# As they are when this migration is written (hiring.Submission.OPEN_STAGES, hiring.reliability).
OPEN_STAGES = "'submitted', 'interviewing', 'offer', 'on_hold'"
OUTCOME_KINDS = (
    "interview.completed",
    "interview.cancelled_with_notice",
    "interview.late_cancellation",
    "interview.no_show",
)
CORRECTED = "interview.outcome_corrected"


def _net(kind):
    # A kind's count with corrections applied (reliability.net_count), never below zero.
    net = (
        f"(COUNT(*) FILTER (WHERE kind = '{kind}')"
        f" - COUNT(*) FILTER (WHERE kind = '{CORRECTED}' AND data ->> 'from_kind' = '{kind}')"
        f" + COUNT(*) FILTER (WHERE kind = '{CORRECTED}' AND data ->> 'to_kind' = '{kind}'))"
    )
    return f"CASE WHEN {net} > 0 THEN {net} ELSE 0 END"


KINDS = ", ".join(f"'{kind}'" for kind in (*OUTCOME_KINDS, CORRECTED))
# Plain SQL both PostgreSQL and SQLite (3.33+: UPDATE … FROM, window functions, FILTER, ->>) run.
FILL = f"""
UPDATE people_candidate
   SET last_ended_stage = COALESCE(f.stage, ''),
       last_open_to_other_roles = f.open_to_other_roles,
       open_processes = COALESCE(f.open_n, 0),
       interview_outcomes = COALESCE(f.outcomes, 0)
  FROM (SELECT p.id, l.stage, l.open_to_other_roles, o.n AS open_n, x.n AS outcomes
          FROM people_candidate p
          LEFT JOIN (SELECT candidate_id, stage, open_to_other_roles
                       FROM (SELECT candidate_id, stage, open_to_other_roles,
                                    ROW_NUMBER() OVER (PARTITION BY candidate_id
                                                       ORDER BY ended_at DESC, id DESC) AS rn
                               FROM hiring_submission
                              WHERE ended_at IS NOT NULL) ranked
                      WHERE rn = 1) l ON l.candidate_id = p.id
          LEFT JOIN (SELECT candidate_id, COUNT(*) AS n
                       FROM hiring_submission
                      WHERE stage IN ({OPEN_STAGES})
                      GROUP BY candidate_id) o ON o.candidate_id = p.id
          LEFT JOIN (SELECT candidate_id, {" + ".join(_net(kind) for kind in OUTCOME_KINDS)} AS n
                       FROM timeline_event
                      WHERE candidate_id IS NOT NULL AND kind IN ({KINDS})
                      GROUP BY candidate_id) x ON x.candidate_id = p.id
         WHERE l.candidate_id IS NOT NULL OR o.candidate_id IS NOT NULL OR x.candidate_id IS NOT NULL) f
 WHERE f.id = people_candidate.id
"""  # noqa: S608 - literal constants only


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0008_search_trigram'),
        ("hiring", "0009_interview_upcoming_end_index"),
        ("timeline", "0003_responsiveness_record_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name='candidate',
            name='interview_outcomes',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name='candidate',
            name='last_ended_stage',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='candidate',
            name='last_open_to_other_roles',
            field=models.BooleanField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='candidate',
            name='open_processes',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(condition=models.Q(('unsubscribed_at__isnull', True), models.Q(('last_open_to_other_roles__isnull', True), ('last_open_to_other_roles', True), _connector='OR')), fields=['name', 'id'], include=['last_ended_stage', 'open_processes', 'interview_outcomes', 'remote', 'min_compensation'], name='candidate_pool_idx'),
        ),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(condition=models.Q(('unsubscribed_at__isnull', True), models.Q(('last_open_to_other_roles__isnull', True), ('last_open_to_other_roles', True), _connector='OR'), ('last_ended_stage', ''), ('open_processes', 0)), fields=['name', 'id'], name='candidate_pool_never_idx'),
        ),
    ]
