"""The security log page (安全日志): a Vue shell over /api/security-events/, for the roles that may read the log."""
from __future__ import annotations

from django.apps import apps
from django.contrib.auth.mixins import UserPassesTestMixin

from core.views import PageView

from .models import SecurityAction, SecurityEvent, SecurityResult
from .scoping import user_scope


def _options(choices) -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in choices.choices]


def object_type_options() -> list[dict]:
    """The kinds of record a log row may name (served models, role assignments, the log itself), by Chinese name."""
    models = [m for m in apps.get_models() if getattr(m, "scope", None) is not None]
    models += [apps.get_model("accounts", "RoleAssignment"), apps.get_model("accounts", "User")]
    seen = {}
    for model in models:
        seen.setdefault(model._meta.label_lower, str(model._meta.verbose_name))
    return sorted(({"value": k, "label": v} for k, v in seen.items()), key=lambda o: o["value"])


class SecurityLogView(UserPassesTestMixin, PageView):
    """安全日志：按用户、操作、结果、时间、对象、地址查询，导出 xlsx。其他角色 403（拒绝本身记入日志）。"""

    template_name = "accounts/security_log.html"
    page_title = "安全日志"

    def test_func(self):
        return user_scope(self.request.user).can_read(SecurityEvent)

    def get_page_data(self) -> dict:
        return {
            "security_choices": {
                "action": _options(SecurityAction),
                "result": _options(SecurityResult),
                "object_type": object_type_options(),
            },
        }
