from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scoping import user_scope


class ScopedAccess(BasePermission):
    """Authenticated users only; a model that names its readers refuses every other role (403);
    writes need a role that may write this model.

    Reads of rows outside the scope never reach here: the scoped queryset makes
    them 404. A write to a row one can read but not write is 403.
    """

    message = "您没有权限执行此操作。"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        model = _model_of(view)
        if model is not None and getattr(getattr(model, "scope", None), "readers", None) is not None:
            if not user_scope(request.user).can_read(model):
                return False
        if request.method in SAFE_METHODS or getattr(view, "read_only_action", False):
            return True
        if model is None:
            return False
        return user_scope(request.user).can_write(model)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS or getattr(view, "read_only_action", False):
            return True
        scope = user_scope(request.user)
        model = type(obj)
        return model._default_manager.filter(scope.q(model, write=True), pk=obj.pk).exists()


def _model_of(view):
    model = getattr(view, "scope_model", None)
    if model is None:
        queryset = getattr(view, "queryset", None)
        model = queryset.model if queryset is not None else None
    return model


class AuthenticatedOnly(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)
