"""The whole schema: every module that defines tables, imported once, so `metadata` holds
them all. Migrations and the models-versus-migrations test use this, not the modules one by
one; a new table module is added here and nowhere else."""

from runtime.store import (
    accounts,
    audit,
    calendar,
    cases,
    citizen_messages,
    designs,
    files,
    held_counts,
    incidents,
    jobs,
    measure_days,
    models,
    ratelimit,
    ratings,
    schedules,
    submissions,
    task_counts,
    views,
)

MODULES = (models, accounts, audit, ratelimit, submissions, files, cases, jobs, calendar,
           citizen_messages, incidents, schedules, ratings, views, designs,
           measure_days, task_counts, held_counts)
metadata = models.Base.metadata
