"""Users for the inbox tests (notifications hang on users only, not on the hierarchy)."""
import itertools

from accounts.models import RoleAssignment, User

_n = itertools.count(1)


def UserFactory() -> User:  # noqa: N802 - reads like the factory it stands in for
    return User.objects.create_user(f"inbox-user-{next(_n)}", password="pass-1234")


def make_user(role: str) -> User:
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=role)
    return user
