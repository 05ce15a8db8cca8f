"""Server-rendered SVG charts (pygal), made safe to put inline in a page under our Content Security Policy.

pygal writes a ``<script>`` (its config, even with ``js=[]``), a ``<style>`` element, inline ``style``
attributes, tooltips for its JavaScript and ids that clash when two charts share a page. :func:`render_chart`
keeps only the drawing: no script, no style (``static/css/charts.css`` styles pygal's classes), no event
handler, no id but the chart's own title and description, which name the picture for screen readers
(``role="img"``). The same numbers are always in a table beside the chart: the chart is never the only copy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pygal
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# Elements that can run code, pull in content or only serve pygal's JavaScript tooltips.
DROPPED_TAGS = frozenset({"script", "style", "foreignObject", "title", "desc", "a", "iframe", "image"})

ChartKind = Literal["line", "bar", "hbar"]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


COLORS = ("#1f5fa8", "#c0392b", "#8e5b00", "#2e7d32", "#6a1b9a", "#00695c")
INK, GUIDE, AXIS = "#1d2433", "#d5dae3", "#5b6475"


def _paint(element: ET.Element, classes: set[str], inherited: set[str]) -> None:
    """Presentation attributes in place of pygal's stylesheet (dropped: the CSP forbids inline styles), so a
    chart reads the same with or without the page's CSS. Attributes, unlike ``style``, are allowed."""
    tag = _tag(element)
    color = next(
        (COLORS[int(c[6:]) % len(COLORS)] for c in [*classes, *inherited] if c.startswith("color-")), None
    )
    if tag == "text":
        anchor = "end" if "y" in inherited and "axis" in inherited else "middle"
        size = "16" if "title" in classes else "13" if "legends" in inherited else "12"
        element.attrib.update({"fill": INK, "font-size": size})
        if "legends" not in inherited:
            element.set("text-anchor", anchor)
        if "title" in classes:
            element.set("font-weight", "600")
    elif tag == "rect" and "background" in classes:
        element.set("fill", "none")
    elif tag == "path" and "guide" in classes:
        hidden = ("vertical" in inherited and "x" in inherited) or (
            "horizontal" in inherited and "y" in inherited
        )
        element.attrib.update(
            {"fill": "none", "stroke": "none" if hidden else GUIDE, "stroke-dasharray": "4 4"}
        )
    elif tag == "path" and "axis" in classes:
        element.attrib.update({"fill": "none", "stroke": AXIS})
    elif tag == "path" and "line" in classes and color:
        element.attrib.update({"fill": "none", "stroke": color, "stroke-width": "2.5"})
    elif tag in ("rect", "circle") and color:
        element.set("fill", color)


def _clean(element: ET.Element, inherited: frozenset[str] = frozenset()) -> None:
    for child in list(element):
        classes = set(child.get("class", "").split())
        if _tag(child) in DROPPED_TAGS or "tooltip-overlay" in classes:
            element.remove(child)
            continue
        _paint(child, classes, set(inherited))
        _clean(child, inherited | classes)
    for name in list(element.attrib):
        local = name.rsplit("}", 1)[-1].lower()
        if local.startswith("on") or local in {"style", "id", "href"}:
            del element.attrib[name]


def sanitize_svg(svg: str, *, chart_id: str, title: str, description: str) -> str:
    """``svg`` without script, style, handlers, links or foreign ids; titled and described for assistive
    technology (``<title>``/``<desc>`` first, ``role="img"``, ``aria-labelledby``). Raises ``ParseError``
    for text that is not XML."""
    root = ET.fromstring(svg)  # noqa: S314 -- our own pygal output, never user-supplied XML
    _clean(root)
    root.set("id", chart_id)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("focusable", "false")
    root.set("font-family", "system-ui, sans-serif")
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{chart_id}-desc"})
    desc.text = description
    heading = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    return ET.tostring(root, encoding="unicode")


_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    colors=COLORS,
)


def render_chart(
    *,
    kind: ChartKind,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_title: str = "",
    height: int = 320,
) -> str:
    """One chart as inline SVG markup (safe: see the module docstring). ``None`` values are gaps (a week
    without interviews has no rate, which is not a rate of zero). Pure: no database, no clock."""
    options = {
        "js": [],
        "css": [],
        "no_prefix": True,
        "disable_xml_declaration": True,
        "style": _STYLE,
        "width": 760,
        "height": height,
        "title": title,
        "y_title": y_title or None,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "show_minor_x_labels": len(labels) <= 16,
        "x_labels_major_every": max(1, len(labels) // 8) if len(labels) > 16 else None,
        "x_label_rotation": 0,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": False,
        "no_data_text": "No data in this period",
        "include_x_axis": True,
        # A dot (with its tooltip) per point costs most of a long chart's drawing; the table has the values.
        "show_dots": len(labels) <= 26,
    }
    chart_class = {"line": pygal.Line, "bar": pygal.Bar, "hbar": pygal.HorizontalBar}[kind]
    chart = chart_class(**options)
    chart.x_labels = list(labels)
    for one in series:
        chart.add(one.name, list(one.values))
    svg = chart.render(is_unicode=True)
    return sanitize_svg(svg, chart_id=chart_id, title=title, description=description)
