from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from accounts.api_base import ScopedModelSerializer

from .models import CommitteeMember, PartyInstructor, SunkCadrePosting, Town, WorkZone, ZoneOffice


class TownSerializer(ScopedModelSerializer):
    name = serializers.CharField(label="名称", max_length=50, validators=[UniqueValidator(
        queryset=Town.objects.all(), message="已有同名的街道(镇)（若已归档，可在“显示已归档”中恢复）。")])

    class Meta:
        model = Town
        fields = ["id", "name", "code", "archived_at", "updated_at"]
        read_only_fields = ["archived_at", "updated_at"]


class WorkZoneSerializer(ScopedModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True, label="街道(镇)名称")

    class Meta:
        model = WorkZone
        fields = ["id", "town", "town_name", "name", "brand", "archived_at", "updated_at"]
        read_only_fields = ["archived_at", "updated_at"]
        move_actions = {"town": "move"}


class ZoneOfficeSerializer(ScopedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="办公室名称")

    class Meta:
        model = ZoneOffice
        fields = ["id", "zone", "kind", "kind_display", "head_name", "duties", "updated_at"]
        read_only_fields = ["updated_at"]


class CommitteeMemberSerializer(ScopedModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True, label="职务名称")
    origin_display = serializers.CharField(source="get_origin_display", read_only=True, label="来源名称")

    class Meta:
        model = CommitteeMember
        fields = ["id", "zone", "name", "role", "role_display", "origin", "origin_display", "organisation", "user",
                  "updated_at"]
        read_only_fields = ["updated_at"]
        validators = []  # one secretary per zone: checked in validate() with a message naming 职务

    def validate(self, attrs):
        role = attrs.get("role", getattr(self.instance, "role", None))
        origin = attrs.get("origin", getattr(self.instance, "origin", None))
        if role == "part_time" and origin not in ("village_secretary", "enterprise", "social_org"):
            raise serializers.ValidationError({"origin": "兼职委员的来源应为村党组织书记、企业或社会组织党组织书记。"})
        zone = attrs.get("zone", getattr(self.instance, "zone", None))
        if role == "secretary" and zone is not None:
            others = CommitteeMember.objects.filter(zone=zone, role="secretary")
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError({"role": "该工作区已有书记，一个工作区只设一名书记。"})
        return attrs


class SunkCadrePostingSerializer(ScopedModelSerializer):
    is_current = serializers.BooleanField(read_only=True, label="当前在岗")
    office_name = serializers.CharField(source="office.get_kind_display", read_only=True, default=None, label="办公室名称")

    class Meta:
        model = SunkCadrePosting
        fields = ["id", "zone", "office", "office_name", "name", "home_unit", "start_date", "end_date", "is_current",
                  "updated_at"]
        read_only_fields = ["updated_at"]

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "结束日期不能早于下沉日期。"})
        office = attrs.get("office", getattr(self.instance, "office", None))
        zone = attrs.get("zone", getattr(self.instance, "zone", None))
        if office is not None and zone is not None and office.zone_id != zone.pk:
            raise serializers.ValidationError({"office": "办公室不属于该工作区。"})
        return attrs


class PartyInstructorSerializer(ScopedModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True, label="指导员姓名")
    village_name = serializers.CharField(source="village.name", read_only=True, label="村/社区名称")

    class Meta:
        model = PartyInstructor
        fields = ["id", "village", "village_name", "cadre", "cadre_name", "start_date", "end_date", "days_per_week",
                  "updated_at"]
        read_only_fields = ["updated_at"]

    def validate(self, attrs):
        village = attrs.get("village", getattr(self.instance, "village", None))
        cadre = attrs.get("cadre", getattr(self.instance, "cadre", None))
        if village is not None and cadre is not None and cadre.zone_id != village.zone_id:
            raise serializers.ValidationError({"cadre": "党建指导员应为本工作区的下沉干部。"})
        days = attrs.get("days_per_week")
        if days is not None and not 1 <= days <= 7:
            raise serializers.ValidationError({"days_per_week": "每周驻村天数应在1到7之间。"})
        return attrs


class ZoneFlagsSerializer(serializers.Serializer):
    zone = serializers.IntegerField(label="工作区ID")
    zone_name = serializers.CharField(label="工作区")
    current_cadres = serializers.IntegerField(label="在岗下沉干部数")
    cadres_below_minimum = serializers.BooleanField(label="下沉干部不足15人")
    villages_without_instructor = serializers.ListField(child=serializers.DictField(), label="无党建指导员的村")


class VillageMoveSerializer(serializers.Serializer):
    zone = serializers.IntegerField(label="目标工作区")
    apply = serializers.BooleanField(default=False, label="确认执行（否则仅预览）")
