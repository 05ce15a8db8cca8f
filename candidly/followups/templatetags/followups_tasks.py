"""``{% open_tasks_panel %}``: the viewer's open tasks for the Today page (``followups/_open_tasks.html``).

A read for display only (one query whatever the number of tasks); changing a task goes through its page.
"""

from __future__ import annotations

from typing import Any

from django import template

from candidly.accounts.models import User
from candidly.followups.views.tasks import open_tasks_for

register = template.Library()

SHOWN = 10


@register.simple_tag(takes_context=True)
def open_tasks_panel(context: template.Context) -> dict[str, Any]:
    """The viewer's open tasks (urgent first, at most ``SHOWN``), and whether there are more."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"tasks": [], "more": False}
    # One row more than shown says "and more" without a COUNT query.
    tasks = list(open_tasks_for(user, mine_only=True)[: SHOWN + 1])
    return {"tasks": tasks[:SHOWN], "more": len(tasks) > SHOWN}
