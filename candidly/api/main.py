"""The API object: routers, authentication, problem-details errors and the OpenAPI 3.1 document."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from candidly.api import followups, hiring, people
from candidly.api.conventions import READ
from candidly.api.problems import PROBLEM_TYPE, ApiProblem, field_errors, problem_response, pydantic_errors


class CandidlyAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are documented as ``application/problem+json``, as they are sent; POSTs take an
        ``Idempotency-Key``."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema.get("paths", {}).values():
            for method, operation in path.items():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content")
                    if int(code) >= 400 and content and "application/json" in content:
                        response["content"] = {PROBLEM_TYPE: content["application/json"]}
                if method == "post":
                    operation.setdefault("parameters", []).append(
                        {
                            "in": "header",
                            "name": "Idempotency-Key",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "Repeat a POST safely: the same key replays the first response.",
                        }
                    )
        return schema


api = CandidlyAPI(
    title="Candidly API",
    version="1",
    urls_namespace="api",
    description=(
        "Companies, contacts, candidates, roles, submissions, interviews, feedback, tasks and timelines. "
        "Authenticate with `Authorization: Bearer <key>` (an admin makes keys at /settings/api-keys/). "
        "Lists are cursor-paginated (`cursor`, `limit` up to 100); errors are RFC 9457 problem details; "
        "updates honour `If-Match` with the `ETag` a read returned."
    ),
    auth=READ,
)
api.add_router("", people.router)
api.add_router("", hiring.router)
api.add_router("", followups.router)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem_response(422, "Some fields are not valid.", errors=pydantic_errors(list(exc.errors)))


@api.exception_handler(DjangoValidationError)
def _rule(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem_response(422, "The change breaks a rule; nothing was saved.", errors=field_errors(exc))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401,
        "Send a valid, unrevoked API key: Authorization: Bearer <key>.",
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, str(exc))
