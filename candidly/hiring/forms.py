"""Forms for the recruiter pages of hiring. They validate and translate input; services make the change."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time
from datetime import date as Date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from candidly.accounts.models import User
from candidly.hiring import rules
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.pickers import PickerFormMixin, PickField
from candidly.hiring.services import interview_status, interviews, roles, submissions
from candidly.lib.text import search_terms
from candidly.lib.timezones import time_zone_choices
from candidly.people.models import Contact


class NonexistentTimeError(ValueError):
    """The wall-clock time is skipped in that zone (the clocks jump forward over it)."""


def wall_clock_to_utc(day: Date, at: time, zone: str) -> tuple[datetime, bool]:
    """Return ``(aware UTC datetime, was_ambiguous)`` for ``day at`` on the clocks of ``zone``.

    Raises ``NonexistentTimeError`` for a time inside a DST gap. A time that happens twice (DST fold)
    resolves to its first occurrence, and the flag says so, so the page can tell the person.
    """
    tz = zoneinfo.ZoneInfo(zone)
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    # zoneinfo accepts skipped times silently; only a round trip through UTC shows the clock never read that.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentTimeError(naive)
    ambiguous = first.utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset()
    return first.astimezone(UTC), ambiguous


def _utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "\N{MINUS SIGN}"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# The interview form lists this many of the company's contacts as checkboxes.
INTERVIEWERS_SHOWN = 50


class InterviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}, {obj.title}" if obj.title else str(obj.name)


class RoleForm(PickerFormMixin, forms.ModelForm):
    # Searches, never a list of every company or contact (hiring.pickers).
    company = PickField("company")
    hiring_manager = PickField(
        "contact",
        company_field="company",
        label="Hiring manager",
        help_text="A contact at the role's company.",
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma-separated, e.g. python, data, remote-first.",
    )

    class Meta:
        model = Role
        fields = [
            "title",
            "company",
            "hiring_manager",
            "recruiter",
            "status",
            "location",
            "workplace",
            "compensation_min",
            "compensation_max",
            "currency",
            "description",
        ]
        labels = {
            "compensation_min": "Compensation from",
            "compensation_max": "Compensation up to",
            "recruiter": "Recruiter",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recruiter = self.fields["recruiter"]
        assert isinstance(recruiter, forms.ModelChoiceField)
        recruiter.queryset = User.objects.filter(is_active=True)
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())

    # The Tag rows are created by the service, inside its transaction, never while validating.
    def clean_tags(self) -> list[str]:
        return roles.parse_tag_names(self.cleaned_data.get("tags", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            roles.check_role(
                company=cleaned.get("company"),
                hiring_manager=cleaned.get("hiring_manager"),
                compensation_min=cleaned.get("compensation_min"),
                compensation_max=cleaned.get("compensation_max"),
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned

    def role_fields(self) -> dict[str, Any]:
        """The cleaned values the role services take (everything but the tags)."""
        return {
            name: self.cleaned_data[name] for name in self._meta.fields or () if name in self.cleaned_data
        }


class SubmissionForm(PickerFormMixin, forms.Form):
    candidate = PickField("candidate")
    role = PickField("open-role", error_messages={"invalid_choice": "Choose an open role."})
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this candidate fits; kept on the timeline.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        candidate, role = cleaned.get("candidate"), cleaned.get("role")
        if candidate is not None and role is not None:
            existing = submissions.open_submission_for(candidate, role)
            if existing is not None:
                self.add_error("role", submissions.duplicate_submission_message(candidate, existing))
        return cleaned


class SubmissionStageForm(forms.Form):
    stage = forms.ChoiceField(label="Move to", choices=[("", "Choose a stage"), *Submission.Stage.choices])
    reason = forms.ChoiceField(
        label="Why it ended",
        required=False,
        choices=[("", "—"), *Submission.EndReason.choices],
        help_text="Needed for placed, rejected and withdrawn.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, submission: Submission, **kwargs: Any) -> None:
        # Prefixed ids: the form shares the submission page with other content.
        kwargs.setdefault("auto_id", "stage_%s")
        super().__init__(*args, **kwargs)
        self.submission = submission

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stage = cleaned.get("stage")
        if stage and stage == self.submission.stage:
            self.add_error("stage", f"The submission is already at “{self.submission.get_stage_display()}”.")
        if stage in Submission.ENDED_STAGES and not cleaned.get("reason"):
            self.add_error("reason", "Say why the process ended.")
        return cleaned


class WallClockMixin(forms.Form):
    """Reads a date and times typed on one zone's clocks, telling the person about DST gaps and folds."""

    ambiguity_notes: list[str]

    def _resolve(self, field: str, day: Date, at: time, zone: str) -> datetime | None:
        try:
            moment, ambiguous = wall_clock_to_utc(day, at, zone)
        except NonexistentTimeError:
            self.add_error(
                field,
                f"{at:%H:%M} does not exist on {day.day} {day:%B %Y} in {zone}: the clocks skip it. "
                "Pick a time outside the change.",
            )
            return None
        if ambiguous:
            local = moment.astimezone(zoneinfo.ZoneInfo(zone))
            self.ambiguity_notes.append(
                f"{at:%H:%M} happens twice on {day.day} {day:%B %Y} in {zone} (the clocks go back); "
                f"Candidly used the first one, {local:%H:%M} {local.tzname()} ({_utc_offset(local)})."
            )
        return moment

    def _resolve_times(self, cleaned: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
        """``starts_at`` and ``ends_at`` from ``date``, ``start_time``, ``end_time`` and ``time_zone``."""
        day, zone = cleaned.get("date"), cleaned.get("time_zone")
        starts_at = ends_at = None
        if day is not None and zone:
            if cleaned.get("start_time") is not None:
                starts_at = self._resolve("start_time", day, cleaned["start_time"], zone)
            if cleaned.get("end_time") is not None:
                ends_at = self._resolve("end_time", day, cleaned["end_time"], zone)
        return starts_at, ends_at


class InterviewForm(WallClockMixin):
    """Date, start, end and their zone; ``clean()`` adds aware UTC ``starts_at`` and ``ends_at``."""

    # A date and two times rather than datetime-local inputs: the browser would read those in its own
    # zone, while a recruiter often books in the candidate's or the company's zone.
    # Service errors use Interview field names; these are the inputs a person typed them into.
    SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}

    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=rules.INTERVIEW_WINDOW_HELP,
    )
    start_time = forms.TimeField(
        label="Starts", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label="Ends",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Same day as the start.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone of these times",
        choices=time_zone_choices,
        help_text="The times above are read on this zone's clocks.",
    )
    format = forms.ChoiceField(choices=Interview.Format.choices, initial=Interview.Format.VIDEO)
    video_url = forms.URLField(label="Video link", required=False, assume_scheme="https")
    address = forms.CharField(label="Address", required=False, max_length=300)
    interviewers = InterviewerChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, submission: Submission, interview: Interview | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.submission = submission
        self.interview = interview
        self.ambiguity_notes = []
        interviewers = self.fields["interviewers"]
        assert isinstance(interviewers, forms.ModelMultipleChoiceField)
        company_contacts = Contact.objects.filter(company_id=submission.role.company_id).order_by(
            "name", "pk"
        )
        interviewers.queryset = company_contacts
        if interview is not None:
            # No status field: confirming, cancelling and outcomes have their own buttons and services.
            if not self.is_bound:
                self.initial.update(self._initial_from(interview))
        elif not self.is_bound:
            self.initial.setdefault("time_zone", submission.candidate.time_zone)
        self._bound_interviewer_choices(interviewers, company_contacts)

    def _bound_interviewer_choices(
        self, field: forms.ModelMultipleChoiceField, company_contacts: QuerySet[Contact]
    ) -> None:
        """At most ``INTERVIEWERS_SHOWN`` checkboxes (a company has a few contacts, but nothing stops it from
        having thousands), plus the interview's own interviewers; any contact of the company is still
        accepted when posted (the field's queryset)."""
        contacts = list(company_contacts[: INTERVIEWERS_SHOWN + 1])
        self.more_interviewers = len(contacts) > INTERVIEWERS_SHOWN
        shown = contacts[:INTERVIEWERS_SHOWN]
        ids = {contact.pk for contact in shown}
        shown += [
            c for c in self.initial.get("interviewers") or [] if isinstance(c, Contact) and c.pk not in ids
        ]
        field.widget.choices = [(contact.pk, field.label_from_instance(contact)) for contact in shown]
        self.has_interviewer_choices = bool(shown)

    @staticmethod
    def _initial_from(interview: Interview) -> dict[str, Any]:
        tz = zoneinfo.ZoneInfo(interview.time_zone)
        starts, ends = interview.starts_at.astimezone(tz), interview.ends_at.astimezone(tz)
        return {
            "date": starts.date(),
            "start_time": starts.time(),
            "end_time": ends.time(),
            "time_zone": interview.time_zone,
            "format": interview.format,
            "video_url": interview.video_url,
            "address": interview.address,
            "interviewers": list(interview.interviewers.all()),
            "notes": interview.notes,
        }

    def clean_date(self) -> Date:
        day: Date = self.cleaned_data["date"]
        # Checked before any arithmetic: year 9999 in a zone west of UTC overflows on the way to UTC.
        problem = rules.outside_interview_window(day, today=timezone.now().date())
        if problem:
            raise ValidationError(problem, code="outside_window")
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_at, ends_at = self._resolve_times(cleaned)
        cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        if self.interview is None and not self.submission.is_open:
            self.add_error(None, interviews.ended_submission_message(self.submission))
        try:
            interviews.check_interview(
                submission=self.submission,
                starts_at=starts_at,
                ends_at=ends_at,
                format=cleaned.get("format", ""),
                video_url=cleaned.get("video_url", ""),
                address=cleaned.get("address", ""),
                interviewers=cleaned.get("interviewers") or [],
            )
        except ValidationError as exc:
            self.add_service_error(exc)
        return cleaned

    def add_service_error(self, exc: ValidationError) -> None:
        """Show a service's ``ValidationError`` next to the inputs it is about."""
        if hasattr(exc, "error_dict"):
            exc = ValidationError(
                {self.SERVICE_FIELDS.get(name, name): errors for name, errors in exc.error_dict.items()}
            )
        self.add_error(None, exc)

    def interview_changes(self) -> dict[str, Any]:
        """The cleaned values as Interview fields, for ``schedule_interview``/``update_interview``."""
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "time_zone": data["time_zone"],
            "format": data["format"],
            "video_url": data["video_url"],
            "address": data["address"],
            "notes": data["notes"],
        }


class SearchField(forms.CharField):
    """A search box: a NUL byte is dropped (PostgreSQL refuses it) rather than failing the whole filter."""

    def to_python(self, value: Any) -> str:
        return search_terms(super().to_python(value))


def scope_field() -> forms.IntegerField:
    """A hidden id that narrows a list to one role or company (the "see all" links of their pages)."""
    return forms.IntegerField(required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput)


class RoleFilterForm(forms.Form):
    company = scope_field()
    q = SearchField(label="Search", required=False, help_text="Title, company, location or tag.")
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Role.Status.choices]
    )


class SubmissionFilterForm(forms.Form):
    OPEN, ENDED = "open", "ended"

    role = scope_field()
    company = scope_field()
    q = SearchField(label="Search", required=False, help_text="Candidate, role or company.")
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=[("", "Any stage"), (OPEN, "All open"), (ENDED, "All ended"), *Submission.Stage.choices],
    )


class InterviewFilterForm(forms.Form):
    UPCOMING, PAST = "upcoming", "past"

    role = scope_field()
    company = scope_field()
    # Today's "see all": the interviews the viewer is responsible for.
    who = forms.ChoiceField(
        required=False, choices=[("", "Everyone's"), ("mine", "Mine")], widget=forms.HiddenInput
    )
    when = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[(UPCOMING, "Upcoming and in progress"), (PAST, "Past")],
    )


class InterviewOutcomeForm(forms.Form):
    """The two buttons "Attended" / "No-show": each submits its own ``outcome`` value."""

    outcome = forms.ChoiceField(
        choices=[
            (Interview.Status.COMPLETED, "Attended"),
            (Interview.Status.NO_SHOW, "No-show"),
        ]
    )


class RecruiterCancelForm(forms.Form):
    """A recruiter records the candidate's "I can't make it" (by phone, email…) for the 24-hour rule."""

    reason_kind = forms.ChoiceField(
        label="What does the candidate want?",
        choices=rules.CancellationReason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What they said",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For you and your colleagues only; the company never sees it.",
    )


class CandidateEventsFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Show", required=False)

    def __init__(self, *args: Any, kinds: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything"), *kinds.items()]  # type: ignore[attr-defined]


class CompanyChangeForm(WallClockMixin):
    """ "The company cancelled or moved this round": what happened, why, and the new time for a move."""

    SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}

    change = forms.ChoiceField(
        label="What did the company do?",
        choices=[
            (interviews.CompanyChange.CANCELLED, "Cancelled the round"),
            (interviews.CompanyChange.MOVED, "Moved it to another time"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Why (what the company told you)",
        max_length=300,
        help_text="Goes on the timeline. The candidate is told the company asked for it, not this text.",
    )
    date = forms.DateField(
        label="New date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Starts", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label="Ends", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    time_zone = forms.ChoiceField(label="Time zone of these times", choices=time_zone_choices, required=False)

    def __init__(self, *args: Any, interview: Interview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ambiguity_notes = []
        if not self.is_bound:
            tz = zoneinfo.ZoneInfo(interview.time_zone)
            starts, ends = interview.starts_at.astimezone(tz), interview.ends_at.astimezone(tz)
            self.initial.update(
                date=starts.date(),
                start_time=starts.time(),
                end_time=ends.time(),
                time_zone=interview.time_zone,
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["starts_at"] = cleaned["ends_at"] = None
        if cleaned.get("change") != interviews.CompanyChange.MOVED:
            return cleaned
        for name in ("date", "start_time", "end_time", "time_zone"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, "Needed for a move.")
        starts_at, ends_at = self._resolve_times(cleaned)
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            self.add_error("end_time", "The interview must end after it starts.")
        cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            exc = ValidationError(
                {self.SERVICE_FIELDS.get(name, name): errors for name, errors in exc.error_dict.items()}
            )
        self.add_error(None, exc)


class CorrectOutcomeForm(forms.Form):
    """A recruiter corrects a wrongly recorded outcome: what it really was, and why the record was wrong."""

    to = forms.ChoiceField(label="What really happened", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Why the record was wrong",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Goes on the timeline with your name.",
    )

    def __init__(self, *args: Any, interview: Interview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [  # type: ignore[attr-defined]
            (status, interview_status.outcome_label(status))
            for status in interview_status.CORRECTABLE_STATUSES
            if status != interview.status
        ]
