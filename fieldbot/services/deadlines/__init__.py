"""Deadlines (DESIGN.md §4): :mod:`.targets` (what each job clock aims at and when it runs),
:mod:`.clocks` (one clock's use cases), :mod:`.job_clocks` (a job's clocks follow the job) and
:mod:`.ladder` (the escalation steps the sweep fires)."""
