"""Make the database fail midway through a service, to prove it leaves nothing half-written."""
import contextlib
from unittest import mock

import pytest
from django.db.models import QuerySet


@contextlib.contextmanager
def update_fails_on(model):
    """The first bulk ``update()`` of ``model``'s rows raises (as a lost connection would); the block must raise."""
    real_update = QuerySet.update

    def failing_update(self, **kwargs):
        if self.model is model:
            raise RuntimeError("数据库故障")
        return real_update(self, **kwargs)

    with mock.patch.object(QuerySet, "update", failing_update), pytest.raises(RuntimeError):
        yield
