"""The handler tests that run a turn on the store use the sample company of the workflow
service tests (:class:`tests.services.workflow.conftest.Flow`)."""

from tests.services.workflow.conftest import clock, flow, settings  # noqa: F401 (fixtures)
