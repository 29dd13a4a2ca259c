"""Start-up check: every API viewset is scoped, every served model declares a scope."""
from django.core import checks

from .scoping import ScopeSpec


@checks.register(checks.Tags.security)
def check_api_scoped(app_configs=None, **kwargs):
    from config.api import router

    return check_router(router)


def check_router(router) -> list[checks.Error]:
    """The errors for one DRF router (separate from the registered check so tests can give their own)."""
    from .api_base import ScopedViewSet

    errors = []
    for prefix, viewset, _basename in router.registry:
        if not issubclass(viewset, ScopedViewSet):
            errors.append(checks.Error(f"/api/{prefix}/ 的视图集 {viewset.__name__} 未继承 ScopedViewSet。", id="accounts.E002"))
            continue
        if _overrides_get_queryset(viewset, ScopedViewSet):
            errors.append(
                checks.Error(f"{viewset.__name__} 覆盖了 get_queryset；请实现 get_scoped_queryset。", id="accounts.E003")
            )
        queryset = getattr(viewset, "queryset", None)
        model = queryset.model if queryset is not None else None
        if model is None or not isinstance(getattr(model, "scope", None), ScopeSpec):
            errors.append(
                checks.Error(
                    f"/api/{prefix}/ 的模型 {getattr(model, '__name__', '?')} 没有声明 scope（ScopeSpec）。", id="accounts.E001"
                )
            )
    return errors


def _overrides_get_queryset(viewset, base) -> bool:
    """Any class above the base in the MRO (the viewset itself, a mixin, a parent) that defines get_queryset."""
    for klass in viewset.__mro__:
        if klass is base:
            return False
        if "get_queryset" in vars(klass):
            return True
    return False
