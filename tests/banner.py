"""What every recruiter page costs for the "Messages are not going out" banner
(followups.context_processors): the newest worker heartbeat and the oldest due touchpoint. Page query-count
tests add it to their own count."""

BANNER_QUERIES = 2
