from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from .models import PiiRevealLog, User


def api_tokens_purge_expired() -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def pii_reveal_log(*, user: User, obj, fields: list[str], ip_address: str | None) -> PiiRevealLog:
    return PiiRevealLog.objects.create(
        user=user, model=obj._meta.label_lower, object_id=obj.pk, fields=",".join(fields), ip_address=ip_address
    )
