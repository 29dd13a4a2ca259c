from django import forms
from django_filters import rest_framework as filters

from core.filters import SearchFilterSet

from .models import SecurityAction, SecurityEvent, SecurityResult, User


class AddressFilter(filters.Filter):
    field_class = forms.GenericIPAddressField  # a bad address is a 400 naming the field, not an SQL error on inet


class SecurityEventFilter(filters.FilterSet):
    """安全日志筛选：用户、操作、结果、时间（按日，含首尾两天）、对象、客户端地址。"""

    user = filters.NumberFilter(field_name="user_id", label="用户ID")
    username = filters.CharFilter(label="用户名")  # exact: indexed, and failed sign-ins have only the name typed
    action = filters.MultipleChoiceFilter(choices=SecurityAction.choices, label="操作")
    result = filters.ChoiceFilter(choices=SecurityResult.choices, label="结果")
    at = filters.DateFromToRangeFilter(label="时间")  # ?at_after=2026-01-01&at_before=2026-01-31, both days included
    object_type = filters.CharFilter(label="对象类型")
    object_id = filters.CharFilter(label="对象ID")
    ip_address = AddressFilter(label="客户端地址")

    class Meta:
        model = SecurityEvent
        fields = ["user", "username", "action", "result", "at", "object_type", "object_id", "ip_address"]


class UserFilter(SearchFilterSet):
    """用户筛选：用户名或姓名（q）、是否启用。"""

    search_fields = ("username", "display_name")
    pinyin_field = None

    class Meta:
        model = User
        fields = ["is_active"]
