"""Submit a page's form the way a browser would: to its action (the page's own URL when it has none), with
its hidden fields, chosen by the label of its submit button."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.test import Client


@dataclass
class PageForm:
    action: str
    method: str
    hidden: dict[str, str] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = PageForm(action=values.get("action", ""), method=values.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and values.get("type") == "hidden":
            # The CSRF token too: the test client does not check it, a browser would send it.
            self._form.hidden[values.get("name", "")] = values.get("value", "")
        elif self._form is not None and tag == "button":
            self._button = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._form is not None and self._button is not None:
            self._form.buttons.append(" ".join("".join(self._button).split()))
            self._button = None
        elif tag == "form":
            self._form = None


def submit(client: Client, page: Any, *, button: str, data: dict[str, Any] | None = None) -> Any:
    """POST the form of ``page`` whose submit button reads ``button``, with ``data`` on top of its hidden
    fields, to the URL a browser would use (a form without an action posts to the page's own URL)."""
    parser = _FormParser()
    parser.feed(page.content.decode())
    [form] = [form for form in parser.forms if button in form.buttons]
    assert form.method == "post"
    query = page.wsgi_request.META.get("QUERY_STRING", "")
    page_url = page.wsgi_request.path + (f"?{query}" if query else "")
    target = urlsplit(urljoin(page_url, form.action))
    url = target.path + (f"?{target.query}" if target.query else "")
    return client.post(url, {**form.hidden, **(data or {})})
