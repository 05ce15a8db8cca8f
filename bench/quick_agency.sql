-- A quick large agency for checking query plans by hand (not `make scale`): 300k candidates, as many
-- submissions and interviews (one role with 30k submissions, ~600 interviews today), 600k events.
-- psql -v n=300000 -f bench/quick_agency.sql <database migrated by manage.py migrate, with users 1..3>
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO people_tag (name) SELECT 'tag-' || g FROM generate_series(1, 60) g ON CONFLICT DO NOTHING;
INSERT INTO people_tag (name) VALUES ('python'), ('go'), ('sales') ON CONFLICT DO NOTHING;
INSERT INTO people_company (name, website, country, time_zone, notes, created_at, updated_at)
SELECT 'Company ' || g || ' ' || md5(g::text), '', 'GB', 'Europe/London', '', now(), now()
FROM generate_series(1, 2000) g;
INSERT INTO people_contact (name, title, email, phone, time_zone, is_hiring_manager, created_at, updated_at, company_id)
SELECT 'Contact ' || md5(g::text), 'Manager', 'c' || g || '@co.test', '', 'Europe/London', true, now(), now(),
       (SELECT min(id) FROM people_company) + (g % 2000)
FROM generate_series(1, 8000) g;
INSERT INTO hiring_role (title, location, workplace, currency, description, status, created_at, updated_at,
                         company_id, hiring_manager_id, recruiter_id)
SELECT 'Role ' || g || ' engineer', 'London', 'hybrid', 'EUR', '', CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'open' END,
       now(), now(), c.company_id, c.id, 1 + g % 3
FROM generate_series(1, 4000) g JOIN people_contact c ON c.id = (SELECT min(id) FROM people_contact) + (g % 8000);
INSERT INTO people_candidate (name, email, phone, time_zone, preferred_channel, locations, remote, currency, notes,
                              created_at, updated_at, recruiter_id, country, min_compensation, unsubscribed_at)
SELECT initcap(substr(md5(g::text), 1, 7)) || ' ' || initcap(substr(md5((g * 7)::text), 1, 9)),
       'cand' || g || '@mail.test', '+4420' || lpad((7000000 + g)::text, 8, '0'), 'Europe/London', 'email',
       CASE WHEN g % 4 = 0 THEN 'Berlin' ELSE 'London' END, 'any', 'EUR',
       CASE WHEN g % 50 = 0 THEN 'Knows kubernetes and python well' ELSE '' END,
       now() - (g || ' minutes')::interval, now(), 1 + g % 3, 'GB', 40000 + (g % 80) * 1000,
       CASE WHEN g % 20 = 0 THEN now() ELSE NULL END
FROM generate_series(1, :n) g;
INSERT INTO people_candidate_role_tags (candidate_id, tag_id)
SELECT c.id, t.id FROM people_candidate c JOIN people_tag t ON t.id = (SELECT min(id) FROM people_tag) + (c.id % 63);
-- Submissions: one per candidate; every 10th in the big role; 60% ended.
INSERT INTO hiring_submission (stage, end_reason, end_note, ended_at, created_at, updated_at, candidate_id, recruiter_id,
                               role_id, open_to_other_roles, share_reason_with_company, withdrawal_wants)
SELECT CASE WHEN c.id % 10 < 4 THEN 'interviewing' WHEN c.id % 10 < 7 THEN 'withdrawn' ELSE 'rejected' END,
       CASE WHEN c.id % 10 < 4 THEN '' ELSE 'other' END, '',
       CASE WHEN c.id % 10 < 4 THEN NULL ELSE now() - ((c.id % 700) || ' days')::interval END,
       now() - ((c.id % 700) || ' days')::interval, now(), c.id, NULL,
       CASE WHEN c.id % 10 = 0 THEN (SELECT min(id) FROM hiring_role)
            ELSE (SELECT min(id) FROM hiring_role) + (c.id % 4000) END,
       CASE WHEN c.id % 10 = 5 THEN false ELSE NULL END, false, '{}'
FROM people_candidate c;
-- Interviews over two years, about 600 today.
INSERT INTO hiring_interview (round, starts_at, ends_at, time_zone, format, video_url, address, status, sequence, notes,
                              created_at, updated_at, submission_id)
SELECT 1, t, t + interval '1 hour', 'Europe/London', 'video', 'https://meet.test/x', '',
       CASE WHEN t < now() THEN 'completed' ELSE 'scheduled' END, 0, '', now(), now(), s.id
FROM (SELECT id, date_trunc('day', now()) + ((id % 500) - 400) * interval '1 day' + (id % 9 + 8) * interval '1 hour' AS t
      FROM hiring_submission) s;
INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, data, candidate_id, submission_id)
SELECT s.created_at + interval '1 day', k, 'x', 'system', '{}', s.candidate_id, s.id
FROM hiring_submission s CROSS JOIN (VALUES ('touchpoint.sent'), ('interview.completed')) v(k);
INSERT INTO followups_task (kind, title, details, urgent, status, due_at, outcome, created_at, assigned_to_id, candidate_id, submission_id)
SELECT CASE WHEN s.id % 3 = 0 THEN 'call' ELSE 'update-candidate' END, 'Task', '', false,
       CASE WHEN s.id % 7 = 0 THEN 'open' ELSE 'done' END, now() - interval '1 hour', '', now(), 1 + s.id % 3, s.candidate_id, s.id
FROM hiring_submission s WHERE s.id % 4 = 0;
-- The talent pool's copies on the candidate row (hiring.services.pool_figures keeps them in the app).
UPDATE people_candidate c
   SET last_ended_stage = COALESCE(l.stage, ''), last_open_to_other_roles = l.open_to_other_roles,
       open_processes = COALESCE(o.n, 0), interview_outcomes = COALESCE(x.n, 0)
  FROM people_candidate p
  LEFT JOIN (SELECT DISTINCT ON (candidate_id) candidate_id, stage, open_to_other_roles FROM hiring_submission
              WHERE ended_at IS NOT NULL ORDER BY candidate_id, ended_at DESC, id DESC) l ON l.candidate_id = p.id
  LEFT JOIN (SELECT candidate_id, count(*) AS n FROM hiring_submission
              WHERE stage IN ('submitted', 'interviewing', 'offer', 'on_hold') GROUP BY candidate_id) o ON o.candidate_id = p.id
  LEFT JOIN (SELECT candidate_id, count(*) AS n FROM timeline_event  -- no corrections in this load
              WHERE kind IN ('interview.completed', 'interview.cancelled_with_notice', 'interview.late_cancellation',
                             'interview.no_show') GROUP BY candidate_id) x ON x.candidate_id = p.id
 WHERE c.id = p.id;
COMMIT;
ANALYZE;
