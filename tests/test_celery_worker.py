"""A task really runs through a real worker process, on each broker we support."""
import datetime

import pytest
from knox.models import AuthToken

from accounts.models import User
from tests.workers import Broker, worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_purge_task_runs_in_a_real_worker(broker, tmp_path):
    user = User.objects.create_user("token-owner")
    expired, _ = AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-60))
    valid, _ = AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=1))

    broker = Broker(broker, tmp_path)
    log = tmp_path / "worker.log"
    with worker(broker, log):
        deleted = broker.run("accounts.tasks.purge_expired_tokens")
    assert deleted == 1, log.read_text()[-3000:]
    assert not AuthToken.objects.filter(pk=expired.pk).exists()
    assert AuthToken.objects.filter(pk=valid.pk).exists()
    assert "accounts.tasks.purge_expired_tokens" in log.read_text()
