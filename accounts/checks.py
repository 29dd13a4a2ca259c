"""Start-up check: every API viewset is scoped, every served model declares a scope."""
from django.core import checks

from .scoping import ScopeSpec


@checks.register(checks.Tags.security)
def check_api_scoped(app_configs=None, **kwargs):
    return check_routes(routed_viewsets())


def routed_viewsets() -> list[tuple[str, type]]:
    """(route, viewset class) of every viewset the URLconf serves, found by walking the resolver (the
    URLconf is the project's top; this app does not import it)."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.viewsets import ViewSetMixin

    found: dict[type, str] = {}

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                klass = getattr(entry.callback, "cls", None)
                if klass is not None and issubclass(klass, ViewSetMixin):
                    found.setdefault(klass, (prefix + str(entry.pattern)).replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns, "/")
    return [(route, viewset) for viewset, route in found.items()]


def check_router(router) -> list[checks.Error]:
    """The errors for one DRF router (tests give their own)."""
    return check_routes([(f"/api/{prefix}/", viewset) for prefix, viewset, _basename in router.registry])


def check_routes(routes) -> list[checks.Error]:
    from .api_base import ScopedViewSet

    errors = []
    for prefix, viewset in routes:
        if not issubclass(viewset, ScopedViewSet):
            errors.append(checks.Error(f"{prefix} 的视图集 {viewset.__name__} 未继承 ScopedViewSet。", id="accounts.E002"))
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
                    f"{prefix} 的模型 {getattr(model, '__name__', '?')} 没有声明 scope（ScopeSpec）。", id="accounts.E001"
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


@checks.register(checks.Tags.security)
def check_related_fields_scoped(app_configs=None, **kwargs):
    """Every writable related field of every serializer of ours draws its choices from the caller's scope
    (accounts.E004): an unscoped queryset lets a caller name rows, and through the error message learn of
    rows, outside their part of the tree."""
    return [
        checks.Error(f"{serializer.__module__}.{serializer.__qualname__}.{name} 的关联字段没有按管辖范围限定可选对象"
                     f"（请用 ScopedRelatedField）。", id="accounts.E004")
        for serializer, name in unscoped_related_fields(project_serializers())
    ]


def project_serializers() -> list[type]:
    """The serializer classes defined in this project's apps (not in DRF, knox or other libraries)."""
    from django.apps import apps
    from django.conf import settings
    from rest_framework import serializers

    base = str(settings.BASE_DIR)
    ours = {config.name for config in apps.get_app_configs() if str(config.path).startswith(base)}
    found, stack = [], [serializers.BaseSerializer]
    while stack:
        klass = stack.pop()
        for sub in klass.__subclasses__():
            stack.append(sub)
            if sub.__module__.split(".")[0] in ours:
                found.append(sub)
    return found


def unscoped_related_fields(serializer_classes) -> list[tuple[type, str]]:
    from rest_framework import relations

    from .api_base import ScopedRelatedField

    bad = []
    for serializer in serializer_classes:
        try:
            fields = serializer().fields
        except Exception:  # needs arguments of its own: not a request-facing serializer
            continue
        for name, field in fields.items():
            relation = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
            if isinstance(relation, relations.RelatedField) and not relation.read_only:
                if not isinstance(relation, ScopedRelatedField):
                    bad.append((serializer, name))
    return bad
