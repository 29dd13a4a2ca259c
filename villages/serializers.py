from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_base import ScopedModelSerializer
from core.moves import move_answer_serializer

from . import services
from .models import (
    CircumstanceTag, Household, HouseholdColor, HouseholdPerson, MicroGrid, NaturalVillage, PersonRelation, Village,
    VillageCadre,
)


class VillageSerializer(ScopedModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, label="工作区名称")

    class Meta:
        model = Village
        fields = ["id", "zone", "zone_name", "name", "kind", "archived_at", "updated_at"]
        read_only_fields = ["archived_at", "updated_at"]
        move_actions = {"zone": "move"}


class VillageCadreSerializer(ScopedModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True, label="职务名称")

    class Meta:
        model = VillageCadre
        fields = ["id", "village", "name", "role", "role_display", "user", "start_date", "archived_at", "updated_at"]
        read_only_fields = ["archived_at", "updated_at"]


class NaturalVillageSerializer(ScopedModelSerializer):
    class Meta:
        model = NaturalVillage
        fields = ["id", "village", "name", "archived_at", "updated_at"]
        read_only_fields = ["archived_at", "updated_at"]
        move_actions = {"village": "move"}


class MicroGridSerializer(ScopedModelSerializer):
    village = serializers.PrimaryKeyRelatedField(read_only=True, label="村/社区")
    natural_village_name = serializers.CharField(source="natural_village.name", read_only=True, label="自然村名称")

    class Meta:
        model = MicroGrid
        fields = ["id", "natural_village", "natural_village_name", "village", "name", "worker_name", "worker_user",
                  "archived_at", "updated_at"]
        read_only_fields = ["archived_at", "updated_at"]
        move_actions = {"natural_village": "move"}


class HouseholdSerializer(ScopedModelSerializer):
    """Output: the phone only masked. Input: `phone` (validated, stored encrypted)."""

    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, label="电话")
    people_count = serializers.IntegerField(
        label="人口数", min_value=1, max_value=99, required=False,
        help_text="登记了户成员时随成员名单（人数），不必填写",
        error_messages={"min_value": "人口数必须是不小于1的整数。", "max_value": "人口数不能超过99。", "invalid": "人口数必须是整数。"},
    )
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=CircumstanceTag.choices, error_messages={"invalid_choice": "未知的情况标签“{input}”。"}),
        required=False, label="情况标签",
    )
    color = serializers.ChoiceField(
        choices=HouseholdColor.choices, required=False, label="四色分类",
        help_text="登记时设置；之后调整请用 POST /api/color-changes/（须填原因），修改户信息时不能改颜色",
        error_messages={"invalid_choice": "“{input}”不是有效的颜色（green/yellow/orange/red）。"},
    )
    color_display = serializers.CharField(source="get_color_display", read_only=True, label="颜色名称")

    def validate_color(self, value):
        """A household's color is set when it is registered; changing it is a reclassification with its reason
        and history (visits: POST /api/color-changes/), never a silent edit of the household."""
        if self.instance is not None and value != self.instance.color:
            raise serializers.ValidationError(
                "调整四色分类请使用“调整颜色”（POST /api/color-changes/），并填写原因；修改户信息时不能改颜色。"
            )
        return value

    grid_name = serializers.CharField(source="grid.name", read_only=True, label="网格名称")
    natural_village_name = serializers.CharField(source="natural_village.name", read_only=True, label="自然村名称")
    village_name = serializers.CharField(source="village.name", read_only=True, label="村/社区名称")
    zone_name = serializers.CharField(source="zone.name", read_only=True, label="工作区名称")
    member = serializers.IntegerField(source="link.member_id", read_only=True, default=None, label="联户党员ID")
    member_name = serializers.CharField(source="link.member.name", read_only=True, default=None, label="联户党员")

    class Meta:
        model = Household
        fields = [
            "id", "grid", "grid_name", "natural_village", "natural_village_name", "village", "village_name", "zone", "zone_name", "town",
            "head_name", "address", "people_count", "phone", "phone_masked", "tags", "color", "color_display",
            "next_visit_due", "member", "member_name", "created_at", "updated_at", "archived_at",
        ]
        read_only_fields = ["natural_village", "village", "zone", "town", "phone_masked", "next_visit_due", "created_at",
                            "updated_at", "archived_at"]

    def validate(self, attrs):
        if self.instance is None and "people_count" not in attrs and not attrs.get("people"):
            raise serializers.ValidationError({"people_count": ["请填写人口数，或登记户成员。"]})
        return attrs


class HouseholdPersonSerializer(serializers.ModelSerializer):
    """One person of a household (户成员), as read back; written as a list through the household."""

    relation = serializers.ChoiceField(choices=PersonRelation.choices, label="与户主关系")
    tags = serializers.ListField(child=serializers.CharField(), required=False, label="情况标签")

    class Meta:
        model = HouseholdPerson
        fields = ["name", "relation", "birth_year", "tags"]


@extend_schema_field(HouseholdPersonSerializer(many=True))
class HouseholdPeopleField(serializers.ListField):
    """The household's people, the whole list at once: each item {name, relation, birth_year, tags}. Checked by
    ``services.clean_people``, whose messages name the row: 「第2人：出生年份须在1900—2026之间。」"""

    child = serializers.DictField()

    def to_internal_value(self, data):
        if not isinstance(data, list) or any(not isinstance(item, dict) for item in data):
            raise serializers.ValidationError("应为成员列表，每人一项：{name, relation, birth_year, tags}。")
        try:
            services.clean_people(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict.get("people", exc.messages)) from exc
        return [{key: item.get(key) for key in ("name", "relation", "birth_year", "tags")} for item in data]

    def to_representation(self, value):
        return HouseholdPersonSerializer(value.all(), many=True).data


class HouseholdDetailSerializer(HouseholdSerializer):
    """A household with its people (户成员): the detail, and every write. The list leaves the people out."""

    people = HouseholdPeopleField(
        required=False, label="户成员",
        help_text="整份名单（替换原有名单）：[{name, relation, birth_year, tags}]，户主在前；有成员时人口数随名单人数",
    )

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "people"]


NaturalVillageMoveSerializer = move_answer_serializer(
    "NaturalVillageMoveSerializer", doc="自然村迁移的预览（apply=true 时为执行结果）。",
    node=("natural_village", "自然村"), parent=("village", "村/社区"),
    counts={"grids": "涉及网格数", "households": "涉及户数"},
)

GridMoveSerializer = move_answer_serializer(
    "GridMoveSerializer", doc="微网格迁移的预览（apply=true 时为执行结果）。",
    node=("grid", "微网格"), parent=("natural_village", "自然村"), ancestors={"village": "村/社区"},
    counts={"households": "涉及户数"},
)
