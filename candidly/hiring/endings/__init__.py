"""How a process ends, whoever ends it: the candidate withdraws (``withdraw``), the company declines
(``reject``); both share the steps in ``common`` (lock the submission, its upcoming interviews, stop what
people would still hear). Each ending is one transaction that also writes its Events and the tasks it needs.
"""
