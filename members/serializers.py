from rest_framework import serializers

from accounts.api_base import ScopedModelSerializer
from core.api import DateField

from .models import Duty, HouseholdLink, PartyBranch, PartyMember


class PartyBranchSerializer(ScopedModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True, label="街道(镇)名称")
    zone_name = serializers.CharField(source="zone.name", read_only=True, default=None, label="工作区名称")
    village_name = serializers.CharField(source="village.name", read_only=True, default=None, label="村/社区名称")
    member_count = serializers.IntegerField(read_only=True, default=None, label="在册党员数")

    class Meta:
        model = PartyBranch
        fields = ["id", "name", "kind", "town", "town_name", "zone", "zone_name", "village", "village_name",
                  "member_count", "archived_at", "updated_at"]
        read_only_fields = ["archived_at", "updated_at"]

    def validate(self, attrs):
        town = attrs.get("town", getattr(self.instance, "town", None))
        zone = attrs.get("zone", getattr(self.instance, "zone", None))
        village = attrs.get("village", getattr(self.instance, "village", None))
        if zone is not None and town is not None and zone.town_id != town.pk:
            raise serializers.ValidationError({"zone": "工作区不属于所选街道(镇)。"})
        if village is not None and (zone is None or village.zone_id != zone.pk):
            raise serializers.ValidationError({"village": "村/社区不属于所选工作区。"})
        return attrs


class PartyMemberSerializer(ScopedModelSerializer):
    """ID number and phone: write-only input, masked output; see the `reveal` action."""

    id_number = serializers.CharField(write_only=True, label="身份证号", max_length=18)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, label="电话")
    duties = serializers.ListField(
        child=serializers.ChoiceField(choices=Duty.choices, error_messages={"invalid_choice": "“{input}”不是六大员之一。"}),
        required=False, label="六大员",
    )
    branch_name = serializers.CharField(source="branch.name", read_only=True, label="党组织名称")
    link_count = serializers.IntegerField(read_only=True, label="联户数")
    user_name = serializers.CharField(source="user.username", read_only=True, default=None, label="平台账号用户名")
    # Never the birth date: with the masked ID number it is the ID number (see core.pii.mask_id_number).
    age_band = serializers.CharField(read_only=True, label="年龄段")

    class Meta:
        model = PartyMember
        fields = [
            "id", "branch", "branch_name", "name", "gender", "id_number", "id_number_masked", "age_band", "phone",
            "phone_masked", "joined_on", "status", "is_flowing", "duties", "left_on", "user", "user_name", "link_count",
            "updated_at",
        ]
        read_only_fields = ["gender", "id_number_masked", "phone_masked", "left_on", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["id_number"].required = False  # updates may leave it unchanged
        return fields


class HouseholdLinkSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True, label="党员姓名")
    head_name = serializers.CharField(source="household.head_name", read_only=True, label="户主")
    address = serializers.CharField(source="household.address", read_only=True, label="住址")
    color = serializers.CharField(source="household.color", read_only=True, label="四色分类")

    class Meta:
        model = HouseholdLink
        fields = ["id", "member", "member_name", "household", "head_name", "address", "color", "linked_on", "updated_at"]
        read_only_fields = ["linked_on", "updated_at"]
        # Uniqueness is checked by the service so the message is ours, in Chinese.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        fields["household"].validators = []
        return fields


class HouseholdLinkBulkSerializer(serializers.Serializer):
    member = serializers.IntegerField(label="联户党员", min_value=1, max_value=2**31 - 1)
    households = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                       allow_empty=False, max_length=200, label="户",
                                       error_messages={"empty": "请至少选择一户。"})
    apply = serializers.BooleanField(default=False, label="确认执行（否则仅预览）")


class HouseholdLinkBulkRowSerializer(serializers.Serializer):
    household = serializers.IntegerField(label="户ID")
    head_name = serializers.CharField(label="户主")
    state = serializers.ChoiceField(choices=[("new", "新增"), ("kept", "已由该党员联系"), ("taken", "已由其他党员联系")],
                                    label="状态")
    linked_member = serializers.IntegerField(allow_null=True, label="现联户党员ID")
    linked_member_name = serializers.CharField(allow_null=True, label="现联户党员")


class HouseholdLinkBulkResultSerializer(serializers.Serializer):
    """批量联户的预览（apply=true 时为执行结果）。"""

    member = serializers.IntegerField(label="党员ID")
    member_name = serializers.CharField(label="党员姓名")
    current = serializers.IntegerField(label="现联系户数")
    adding = serializers.IntegerField(label="新增户数")
    after = serializers.IntegerField(label="联系后户数")
    link_min = serializers.IntegerField(label="每人最少户数")
    link_max = serializers.IntegerField(label="每人最多户数")
    households = HouseholdLinkBulkRowSerializer(many=True, label="所选的户")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), label="不能执行的原因")
    applied = serializers.BooleanField(label="已执行")


class MemberLookupSerializer(serializers.Serializer):
    id_number = serializers.CharField(label="身份证号", max_length=32, write_only=True)


class MemberLeaveSerializer(serializers.Serializer):
    left_on = DateField(label="离开日期")
    candidates = serializers.ListField(child=serializers.IntegerField(), required=False, label="接收党员ID（默认本支部）")
    apply = serializers.BooleanField(default=False, label="确认执行（否则仅预览）")


class MemberLeaveStepSerializer(serializers.Serializer):
    household = serializers.IntegerField(label="户ID")
    head_name = serializers.CharField(label="户主")
    to_member = serializers.IntegerField(label="接收党员ID")
    to_member_name = serializers.CharField(label="接收党员")


class MemberLeaveResultSerializer(serializers.Serializer):
    """党员离开的预览（apply=true 时为执行结果）：其联系的户各自转给谁。"""

    member = serializers.IntegerField(label="党员ID")
    member_name = serializers.CharField(label="党员姓名")
    left_on = DateField(label="离开日期")
    households = serializers.IntegerField(label="转出户数")
    plan = MemberLeaveStepSerializer(many=True, label="分配方案")
    applied = serializers.BooleanField(label="已执行")


class MemberAccountsSerializer(serializers.Serializer):
    village = serializers.IntegerField(label="村/社区ID", min_value=1, max_value=2**31 - 1)
    apply = serializers.BooleanField(default=False, label="确认开通（否则仅预览）")


class MemberAccountRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(label="党员ID")
    member_name = serializers.CharField(label="党员姓名")
    username = serializers.CharField(label="用户名")
    grid = serializers.IntegerField(label="微网格ID")
    grid_name = serializers.CharField(label="微网格")
    households = serializers.IntegerField(label="联系户数")
    initial_password = serializers.CharField(required=False, label="初始密码（仅开通结果中出现，只显示这一次）")


class MemberAccountsResultSerializer(serializers.Serializer):
    """为本村联户党员开通网格员账号的预览（apply=true 时为开通结果，含初始密码）。"""

    village = serializers.IntegerField(label="村/社区ID")
    village_name = serializers.CharField(label="村/社区")
    accounts = MemberAccountRowSerializer(many=True, label="开通的账号")
    applied = serializers.BooleanField(label="已执行")
