"""The daily reports' tests share the field workflow's flow (the sample company, bound staff
and customers) and one hand-computed day."""

from __future__ import annotations

from tests.services.workflow.conftest import clock, flow, settings

__all__ = ["clock", "flow", "settings"]
