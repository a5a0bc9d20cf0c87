"""Background jobs the users wait for: a large workbook import, issuing a report.

The queue is django-tasks (khuyencong.core.jobs runs every job); this package keeps each job's
record (``Job``: who, what, its state, its result) and its page, which shows the progress and
then the result. Included at cong-viec/ (names ``jobs:…``).
"""
