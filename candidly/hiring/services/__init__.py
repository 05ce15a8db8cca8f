"""Changes to roles, submissions and interviews: one module per thing changed, one transaction per service.

Services raise ``django.core.exceptions.ValidationError`` with a dict keyed by model field name when the
change breaks a recruiting rule; nothing is saved in that case. Forms call the same ``check_*`` helpers in
``clean()`` so a person sees the problem next to the field before the service runs. Every service writes
its timeline Event; the ones that change what people hear re-plan it through ``followups.interview_plan``.
"""
