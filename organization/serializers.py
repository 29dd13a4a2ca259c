"""Answers of the cross-level moves (previews and applied moves share one shape)."""
from rest_framework import serializers


class ZoneMoveSerializer(serializers.Serializer):
    """工作区迁移的预览（apply=true 时为执行结果）。"""

    zone = serializers.CharField(label="工作区")
    from_town = serializers.CharField(label="原街道(镇)")
    to_town = serializers.CharField(label="目标街道(镇)")
    villages = serializers.IntegerField(label="涉及村/社区数")
    households = serializers.IntegerField(label="涉及户数")
    branches = serializers.IntegerField(label="涉及党组织数")
    applied = serializers.BooleanField(label="已执行")


class VillageMoveSerializer(serializers.Serializer):
    """村/社区迁移的预览（apply=true 时为执行结果）。"""

    village = serializers.CharField(label="村/社区")
    from_zone = serializers.CharField(label="原工作区")
    to_zone = serializers.CharField(label="目标工作区")
    natural_villages = serializers.IntegerField(label="涉及自然村数")
    grids = serializers.IntegerField(label="涉及网格数")
    households = serializers.IntegerField(label="涉及户数")
    branches = serializers.IntegerField(label="涉及党组织数")
    members = serializers.IntegerField(label="涉及党员数")
    instructors_ended = serializers.IntegerField(label="结束任期的“1+1”指导员数")
    applied = serializers.BooleanField(label="已执行")
