from rest_framework import serializers

from .models import SecurityEvent


class SecurityEventSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True, label="操作名称")
    result_display = serializers.CharField(source="get_result_display", read_only=True, label="结果名称")
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True, label="用户ID")

    class Meta:
        model = SecurityEvent
        fields = ["id", "at", "user", "username", "ip_address", "action", "action_display", "object_type",
                  "object_id", "result", "result_display", "detail"]
        read_only_fields = fields
