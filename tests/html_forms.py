"""Every form of a rendered page with every field a browser would send: inputs (by type), selects and their
options, textareas, radio and checkbox groups, named submit buttons. The bad-input sweep
(tests/test_bad_input.py) reads pages through it; ``baseline()`` is what a person submitting the page
unchanged would send."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class FormField:
    name: str
    kind: str  # an <input> type, "select", "textarea" or "button"
    value: str = ""  # the rendered value (a checkbox's or radio's when ticked)
    options: list[str] = field(default_factory=list)  # select options / radio and button values
    selected: list[str] = field(default_factory=list)  # selected options, ticked boxes
    multiple: bool = False


@dataclass
class PageForm:
    action: str  # path and query, absolute on this site
    method: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def baseline(self) -> dict[str, list[str]]:
        """What the browser sends when the page is submitted as rendered (first button, first radio)."""
        data: dict[str, list[str]] = {}
        for name, item in self.fields.items():
            if item.kind in ("checkbox",) or (item.kind == "select" and item.multiple):
                values = list(item.selected)
            elif item.kind in ("radio", "button") or item.kind == "select":
                values = item.selected[:1] or item.options[:1]
            else:
                values = [item.value]
            if values:
                data[name] = values
        return data


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._option: tuple[str | None, bool, list[str]] | None = None
        self._textarea: FormField | None = None

    def _field(self, name: str, kind: str, **values: object) -> FormField:
        assert self._form is not None
        existing = self._form.fields.get(name)
        if existing is None:
            existing = FormField(name=name, kind=kind, **values)  # type: ignore[arg-type]
            self._form.fields[name] = existing
        return existing

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            target = urlsplit(urljoin(self.page_url, values.get("action", "")))
            action = target.path + (f"?{target.query}" if target.query else "")
            self._form = PageForm(action=action, method=values.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in values:
            return
        name = values.get("name", "")
        if tag == "input" and name:
            kind = values.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                item = self._field(name, kind)
                value = values.get("value", "on")
                item.options.append(value)
                if "checked" in values:
                    item.selected.append(value)
            elif kind not in ("submit", "image", "reset", "file"):
                self._field(name, kind, value=values.get("value", ""))
        elif tag == "button" and name:
            item = self._field(name, "button")
            item.options.append(values.get("value", ""))
        elif tag == "select" and name:
            self._select = self._field(name, "select", multiple="multiple" in values)
        elif tag == "option" and self._select is not None:
            self._close_option()  # an <option> may be left open by the next one
            self._option = (values.get("value"), "selected" in values, [])
        elif tag == "textarea" and name:
            self._textarea = self._field(name, "textarea")

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[2].append(data)
        elif self._textarea is not None:
            self._textarea.value += data

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, selected, text = self._option
            value = value if value is not None else "".join(text).strip()
            self._select.options.append(value)
            if selected:
                self._select.selected.append(value)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                # Browsers drop the one newline right after <textarea>.
                self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self._form = None


def page_forms(html: str, page_url: str) -> list[PageForm]:
    """The forms of ``html`` as served at ``page_url`` (a form without an action posts to the page)."""
    parser = _Parser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms
