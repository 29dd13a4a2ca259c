"""Every beat entry expires: a message that waited (broker down, workers busy) past its use is dropped, not run late."""
from django.conf import settings


def test_every_beat_entry_has_expires():
    missing = [name for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
               if not (entry.get("options") or {}).get("expires")]
    assert missing == []
