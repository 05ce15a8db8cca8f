"""No one is left in silence (PRODUCT.md rule 6).

Every candidate with an open submission hears from the agency at least every ``silence_business_days``
business days (agency setting, 3 by default), counted in the candidate's zone. "Hearing from us" is a
message sent to them about that submission, or a recruiter's task about them done (a call that reached
them or left a voicemail, an update, the company's verdict passed on). When that promise would break --
typically because the company is slow and the candidate's own cadence has run out -- the recruiter gets an
"Update <candidate>" task one business day ahead, with a prepared honest message they send in one click.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery

from candidly.accounts.models import AgencySettings, User
from candidly.followups.models import Task, Touchpoint
from candidly.followups.responses import CALL_NO_ANSWER
from candidly.followups.services import hours_for, plan_touchpoint
from candidly.followups.tasks import NewTask, create_tasks_bulk
from candidly.hiring.models import Submission
from candidly.lib.businesstime import add_business_days, business_days_at_least
from candidly.lib.phones import display_phone
from candidly.messaging import wording
from candidly.messaging.emails import render_text
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

MESSAGE_CHANNELS = (Touchpoint.Channel.EMAIL, Touchpoint.Channel.SMS)
# Done tasks that mean a recruiter spoke or wrote to the candidate.
CONTACT_TASK_KINDS = (Task.Kind.CALL, Task.Kind.UPDATE_CANDIDATE, Task.Kind.RELAY_VERDICT)


def _latest(rows: QuerySet[Touchpoint] | QuerySet[Task], column: str) -> Subquery:
    # GROUP BY the outer submission: one aggregate row per submission, as a correlated subquery.
    return Subquery(rows.values("submission").annotate(latest=Max(column)).values("latest")[:1])


def submissions_to_check(*, heard_before: datetime | None = None) -> QuerySet[Submission]:
    """Open submissions not flagged gone quiet, with when we last reached the candidate and what is next.

    One query: the latest message sent, the latest contact task done, the next planned step, and
    whether an "Update" task is already open. With ``heard_before``, only those without an open Update
    task whose candidate last heard from us (:func:`last_heard_from_us`) at or before that moment.
    """
    sent = Touchpoint.objects.filter(
        submission=OuterRef("pk"),
        candidate=OuterRef("candidate"),
        status=Touchpoint.Status.DONE,
        channel__in=MESSAGE_CHANNELS,
    )
    tasks_done = Task.objects.filter(
        submission=OuterRef("pk"), kind__in=CONTACT_TASK_KINDS, status=Task.Status.DONE
    ).exclude(outcome=CALL_NO_ANSWER)
    # Any step still to come (a message, a call, the gone-quiet check) means the cadence is on it.
    upcoming = Touchpoint.objects.filter(
        submission=OuterRef("pk"),
        candidate=OuterRef("candidate"),
        status__in=(Touchpoint.Status.PLANNED, Touchpoint.Status.IN_PROGRESS),
    )
    submissions = (
        Submission.objects.filter(stage__in=Submission.OPEN_STAGES, gone_quiet_at__isnull=True)
        .select_related("candidate", "role__company", "recruiter", "role__recruiter", "candidate__recruiter")
        .annotate(
            last_message_at=_latest(sent, "done_at"),
            last_task_at=_latest(tasks_done, "done_at"),
            next_message_at=Subquery(
                upcoming.values("submission").annotate(first=Min("due_at")).values("first")[:1]
            ),
            has_open_update=Exists(
                Task.objects.filter(
                    submission=OuterRef("pk"), kind=Task.Kind.UPDATE_CANDIDATE, status=Task.Status.OPEN
                )
            ),
        )
        .order_by("pk")
    )
    if heard_before is None:
        return submissions
    return submissions.filter(
        Q(last_message_at__isnull=True) | Q(last_message_at__lte=heard_before),
        Q(last_task_at__isnull=True) | Q(last_task_at__lte=heard_before),
        created_at__lte=heard_before,
        has_open_update=False,
    )


def last_heard_from_us(submission: Submission) -> datetime:
    """The later of the annotations (see :func:`submissions_to_check`) and the submission's creation."""
    moments = [
        submission.created_at,
        getattr(submission, "last_message_at", None),
        getattr(submission, "last_task_at", None),
    ]
    return max(moment for moment in moments if moment is not None)


# Submissions read per batch: the worker claims due messages between two batches.
BATCH_SIZE = 200


def check_silence(*, now: datetime) -> list[Task]:
    """Create an "Update <candidate>" task for each open submission whose candidate would otherwise go
    more than ``silence_business_days`` business days without hearing from us; return the new tasks.

    A task is created one business day before the limit, due at the limit, unless one is already open
    or a step of the candidate's cadence is planned before the limit. At most one open Update task per
    submission, also with several workers checking at once (a partial unique index decides).
    All batches of :func:`silence_batches` in one go (tests, ``--checks-once``).
    """
    return [task for tasks in _task_batches(now=now, stop_requested=_never) for task in tasks]


def silence_batches(now: datetime, stop_requested: Callable[[], bool]) -> Iterator[int]:
    """The worker's silence check, one batch of :data:`BATCH_SIZE` open submissions per step (keyset over
    ids, so memory stays flat and each batch is one indexed read): yields how many Update tasks each batch
    created. Stops early between batches when ``stop_requested()`` says so."""
    for tasks in _task_batches(now=now, stop_requested=stop_requested):
        yield len(tasks)


def _never() -> bool:
    return False


def _task_batches(*, now: datetime, stop_requested: Callable[[], bool]) -> Iterator[list[Task]]:
    batch_size = BATCH_SIZE
    agency = AgencySettings.load()
    days = agency.silence_business_days
    if days <= 0:
        return
    # Nobody heard from since this moment can be due an Update yet (the deadline's first day is at least
    # that far off): those are left out in SQL instead of counting their business days one by one here.
    heard_before = now - business_days_at_least(days - 1)
    after = 0
    while True:
        batch = list(submissions_to_check(heard_before=heard_before).filter(pk__gt=after)[:batch_size])
        if not batch:
            return
        after = batch[-1].pk
        body = wording.current_parts(Touchpoint.Kind.UPDATE).body  # read once a batch, not once a task
        new: list[NewTask] = []
        for submission in batch:
            zone = submission.candidate.time_zone
            hours = hours_for(submission.candidate, agency)
            last = last_heard_from_us(submission)
            deadline = add_business_days(last, days, zone, hours)
            if now < add_business_days(last, days - 1, zone, hours):
                continue
            upcoming = submission.next_message_at  # type: ignore[attr-defined]
            if upcoming is not None and upcoming <= deadline:
                continue  # the cadence will reach them (or alert the recruiter) in time
            new.append(
                NewTask(
                    kind=Task.Kind.UPDATE_CANDIDATE,
                    title=f"Update {submission.candidate.name}",
                    details=prepared_update(submission, body=body),
                    due_at=max(now, deadline),
                    submission=submission,
                )
            )
        # Several workers may check at once: create_tasks_bulk leaves out submissions another one just did.
        yield create_tasks_bulk(new)
        if len(batch) < batch_size or stop_requested():
            return


def _update_context(submission: Submission) -> dict[str, object]:
    recruiter = submission.responsible_recruiter
    name = submission.candidate.name
    return {
        "first_name": name.split()[0] if name.strip() else name,
        "person": submission.candidate,
        "company": submission.role.company,
        "role": submission.role,
        "recruiter_name": (recruiter.get_full_name() or recruiter.get_username()) if recruiter else "",
        "recruiter_phone": recruiter.phone if recruiter else "",
        "recruiter_phone_display": display_phone(recruiter.phone) if recruiter else "",
        "links": {},
        "message": "",
    }


def update_message(submission: Submission, *, body: str | None = None) -> str:
    """The update's own words (between greeting and signature), in the agency's current wording of the
    ``candidate-update`` kind (``messaging.wording``; ``body`` when the caller read it already), for the
    recruiter to read or edit."""
    if body is None:
        body = wording.current_parts(Touchpoint.Kind.UPDATE).body
    return wording.render_source(body, _update_context(submission)).strip()


def prepared_update(submission: Submission, *, body: str | None = None) -> str:
    """The update email's own words as the candidate will read them (without links and footer)."""
    text = render_text(
        "emails/_custom-candidate-body.txt",
        {**_update_context(submission), "custom_body": update_message(submission, body=body)},
    )
    # The footer (after the "-- " signature line) holds links issued when the email is written.
    return re.split(r"\n-- ?\n", text, maxsplit=1)[0].strip()


def send_update(task: Task, *, actor: User, now: datetime, message: str = "") -> Touchpoint | None:
    """Send the prepared update: a ``candidate-update`` touchpoint due now on the candidate's preferred
    written channel (the worker sends it in their business hours), the task done, an Event.

    ``message`` is the recruiter's edit of the update's words (:func:`update_message`); empty or unchanged,
    the prepared words go. Returns ``None`` when the task was no longer open (a second click). Raises
    ``ValueError`` for a task that is not an open-able Update task.
    """
    submission, candidate = task.submission, task.candidate
    if task.kind != Task.Kind.UPDATE_CANDIDATE or submission is None or candidate is None:
        raise ValueError("Only an Update task about a submission can send an update.")
    channel = Touchpoint.Channel.SMS if candidate.prefers_sms else Touchpoint.Channel.EMAIL
    with transaction.atomic():
        if not Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
            status=Task.Status.DONE, done_at=now, done_by=actor, outcome="Update sent"
        ):
            return None
        task.status = Task.Status.DONE
        # Each update is a new step; two clicks racing compute the same step and plan one row.
        step = (
            Touchpoint.objects.filter(
                candidate=candidate,
                submission=submission,
                kind=Touchpoint.Kind.UPDATE,
                interview__isnull=True,
            ).count()
            + 1
        )
        touchpoint, created = plan_touchpoint(
            person=candidate,
            kind=Touchpoint.Kind.UPDATE,
            channel=channel,
            due_at=now,
            submission=submission,
            step=step,
        )
        text = message.replace("\r\n", "\n").strip()
        edited = text if text and text != update_message(submission) else ""
        if created and edited:
            Touchpoint.objects.filter(pk=touchpoint.pk, status=Touchpoint.Status.PLANNED).update(
                message_text=edited
            )
            touchpoint.message_text = edited
        record_event(
            kind=EventKind.CANDIDATE_UPDATE_SENT,
            summary=f"Update to {candidate.name} queued by {channel}"
            + (", in the recruiter's words" if edited else ""),
            actor=actor,
            submission=submission,
            data={"task": task.pk, "touchpoint": touchpoint.pk, "message": edited},
        )
    return touchpoint
