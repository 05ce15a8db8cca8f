"""Timeline event kinds that several modules write or count (the reliability record reads these).

A leaf module: it imports nothing of ours, so services, the reliability record and the follow-ups can all
import it without cycles.
"""

EVENT_CONFIRMED = "interview.confirmed"
EVENT_CANCELLED_WITH_NOTICE = "interview.cancelled_with_notice"
EVENT_LATE_CANCELLATION = "interview.late_cancellation"
EVENT_COMPLETED = "interview.completed"
EVENT_NO_SHOW = "interview.no_show"
EVENT_FOLLOWUP_RESPONDED = "followup.responded"
# Written by candidly.followups.gone_quiet when a cadence ends without any answer.
EVENT_GONE_QUIET = "submission.gone_quiet"
