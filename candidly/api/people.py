"""Companies, contacts and candidates: through ``people.services``, like the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from candidly.accounts.models import User
from candidly.api import schemas as s
from candidly.api.conventions import (
    READ,
    WRITE,
    actor,
    by_id,
    check_fields,
    check_if_match,
    etag_of,
    only_set,
    paginate,
    referenced,
)
from candidly.api.problems import ApiProblem, field_errors
from candidly.api.responses import created, listed, one
from candidly.hiring.services.roles import parse_tag_names
from candidly.lib.phones import normalize_phone
from candidly.people import services
from candidly.people.models import Candidate, Company, Contact

router = Router(tags=["people"])

SMS_NEEDS_PHONE = "SMS needs a phone number: add one or pick another channel."


def _phone(values: dict[str, Any]) -> None:
    if values.get("phone"):
        try:
            values["phone"] = normalize_phone(values["phone"])
        except ValidationError as exc:
            raise ApiProblem(
                422,
                "The phone number is not valid.",
                errors=field_errors(ValidationError({"phone": exc.messages})),
            ) from None


def _service(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except ValidationError as exc:
        raise ApiProblem(
            422, "The change breaks a rule; nothing was saved.", errors=field_errors(exc)
        ) from None


def _drop_nulls(values: dict[str, Any], nullable: set[str]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None or name in nullable}


# --- companies ---------------------------------------------------------------------------------------------


@router.get("/companies", response=listed(s.CompanyPage), auth=READ)
def list_companies(
    request: HttpRequest,
    updated_since: s.Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = Company.objects.all()
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/companies/{pk}", response=one(s.CompanyOut), auth=READ)
def get_company(request: HttpRequest, pk: s.Id, response: HttpResponse) -> s.CompanyOut:
    out = s.CompanyOut.from_orm(by_id(Company, pk))
    response["ETag"] = etag_of(out)
    return out


def _company_values(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("country"):
        values["country"] = values["country"].upper()
    check_fields(Company, values)
    return values


@router.post("/companies", response=created(s.CompanyOut), auth=WRITE)
def create_company(request: HttpRequest, payload: s.CompanyIn) -> Status[Any]:
    values = _company_values(_drop_nulls(payload.dict(), set()))
    return Status(201, _service(services.create_company, actor=actor(request), **values))


@router.patch("/companies/{pk}", response=one(s.CompanyOut), auth=WRITE)
def update_company(
    request: HttpRequest, pk: s.Id, payload: s.CompanyPatch, response: HttpResponse
) -> s.CompanyOut:
    company = by_id(Company, pk)
    check_if_match(request, s.CompanyOut.from_orm(company))
    values = _company_values(_drop_nulls(only_set(payload), set()))
    _service(services.update_company, company, actor=actor(request), **values)
    out = s.CompanyOut.from_orm(by_id(Company, pk))
    response["ETag"] = etag_of(out)
    return out


# --- contacts ---------------------------------------------------------------------------------------------


@router.get("/contacts", response=listed(s.ContactPage), auth=READ)
def list_contacts(
    request: HttpRequest,
    company_id: s.Id | None = None,
    updated_since: s.Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = Contact.objects.all()
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/contacts/{pk}", response=one(s.ContactOut), auth=READ)
def get_contact(request: HttpRequest, pk: s.Id, response: HttpResponse) -> s.ContactOut:
    out = s.ContactOut.from_orm(by_id(Contact, pk))
    response["ETag"] = etag_of(out)
    return out


def _contact_values(values: dict[str, Any]) -> dict[str, Any]:
    if "company_id" in values:
        values["company"] = referenced(Company, values.pop("company_id"), "company_id")
    if "email" in values:
        values["email"] = values["email"].strip().lower()
    _phone(values)
    check_fields(Contact, values, ["name", "title", "email", "phone", "time_zone"])
    return values


@router.post("/contacts", response=created(s.ContactOut), auth=WRITE)
def create_contact(request: HttpRequest, payload: s.ContactIn) -> Status[Any]:
    values = _contact_values(_drop_nulls(payload.dict(), set()))
    return Status(201, _service(services.create_contact, actor=actor(request), **values))


@router.patch("/contacts/{pk}", response=one(s.ContactOut), auth=WRITE)
def update_contact(
    request: HttpRequest, pk: s.Id, payload: s.ContactPatch, response: HttpResponse
) -> s.ContactOut:
    contact = by_id(Contact, pk)
    check_if_match(request, s.ContactOut.from_orm(contact))
    values = _contact_values(_drop_nulls(only_set(payload), set()))
    _service(services.update_contact, contact, actor=actor(request), **values)
    out = s.ContactOut.from_orm(by_id(Contact, pk))
    response["ETag"] = etag_of(out)
    return out


# --- candidates -------------------------------------------------------------------------------------------

_CANDIDATES = Candidate.objects.prefetch_related("role_tags")


@router.get("/candidates", response=listed(s.CandidatePage), auth=READ)
def list_candidates(
    request: HttpRequest,
    email: str | None = Query(None, max_length=254),
    updated_since: s.Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = _CANDIDATES.all()
    if email:
        rows = rows.filter(email=email.strip().lower().replace("\x00", ""))
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/candidates/{pk}", response=one(s.CandidateOut), auth=READ)
def get_candidate(request: HttpRequest, pk: s.Id, response: HttpResponse) -> s.CandidateOut:
    out = s.CandidateOut.from_orm(by_id(Candidate, pk, rows=_CANDIDATES.all()))
    response["ETag"] = etag_of(out)
    return out


def _candidate_values(values: dict[str, Any], current: Candidate | None = None) -> dict[str, Any]:
    if "recruiter_id" in values:
        values["recruiter"] = referenced(User, values.pop("recruiter_id"), "recruiter_id")
    if "email" in values:
        values["email"] = values["email"].strip().lower()
    if "country" in values:
        values["country"] = values["country"].upper()
    _phone(values)
    if "role_tags" in values:
        try:
            values["role_tags"] = parse_tag_names(",".join(values["role_tags"]))
        except ValidationError as exc:
            raise ApiProblem(
                422,
                "A tag is not usable.",
                errors=[{"field": "role_tags", "message": m} for m in exc.messages],
            ) from None
    check_fields(
        Candidate,
        values,
        ["name", "email", "phone", "time_zone", "country", "locations", "currency", "min_compensation"],
    )
    channel = values.get("preferred_channel", current.preferred_channel if current else "email")
    phone = values.get("phone", current.phone if current else "")
    if channel == Candidate.Channel.SMS and not phone:
        raise ApiProblem(
            422, SMS_NEEDS_PHONE, errors=[{"field": "preferred_channel", "message": SMS_NEEDS_PHONE}]
        )
    return values


@router.post("/candidates", response=created(s.CandidateOut), auth=WRITE)
def create_candidate(request: HttpRequest, payload: s.CandidateIn) -> Status[Any]:
    values = _candidate_values(_drop_nulls(payload.dict(), {"recruiter_id", "min_compensation"}))
    candidate = _service(services.create_candidate, actor=actor(request), **values)
    return Status(201, s.CandidateOut.from_orm(by_id(Candidate, candidate.pk, rows=_CANDIDATES.all())))


@router.patch("/candidates/{pk}", response=one(s.CandidateOut), auth=WRITE)
def update_candidate(
    request: HttpRequest, pk: s.Id, payload: s.CandidatePatch, response: HttpResponse
) -> s.CandidateOut:
    candidate = by_id(Candidate, pk, rows=_CANDIDATES.all())
    check_if_match(request, s.CandidateOut.from_orm(candidate))
    values = _candidate_values(
        _drop_nulls(only_set(payload), {"recruiter_id", "min_compensation"}), candidate
    )
    _service(services.update_candidate, candidate, actor=actor(request), **values)
    out = s.CandidateOut.from_orm(by_id(Candidate, pk, rows=_CANDIDATES.all()))
    response["ETag"] = etag_of(out)
    return out
