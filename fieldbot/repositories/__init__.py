"""The repositories: one module per concept, each over its tables of :mod:`fieldbot.tables`.

They are bound to one transaction by :class:`fieldbot.store.UnitOfWork` (``uow.jobs``,
``uow.outbox``...); :mod:`fieldbot.repositories.base` holds the plumbing and the store errors.
This package imports none of its modules: import each from its own module.
"""
