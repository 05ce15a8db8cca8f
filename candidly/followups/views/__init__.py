"""Pages of the followups app: one module per area (tasks, calls, feedback, cadences)."""
