from rest_framework import serializers

from core.api import DateTimeField

from .kinds import KINDS
from .models import ImportBatch


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(label="行号")
    column = serializers.CharField(label="列")
    message = serializers.CharField(label="错误")


class ImportBatchSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, label="导入类型代码", help_text="households、members、links 或 cadres")
    status = serializers.CharField(read_only=True, label="状态代码", help_text="invalid（有错误）、ready（待导入）或 committed（已导入）")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="导入类型")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态")
    created_by_name = serializers.SerializerMethodField(label="上传人")
    created_at = DateTimeField(read_only=True, label="上传时间")
    committed_at = DateTimeField(read_only=True, allow_null=True, label="导入时间")

    class Meta:
        model = ImportBatch
        fields = ["id", "kind", "kind_display", "status", "status_display", "file_name", "file_sha256", "file_size",
                  "row_count", "create_count", "update_count", "unchanged_count", "error_count", "created_by",
                  "created_by_name", "created_at", "committed_at"]
        read_only_fields = fields

    def get_created_by_name(self, obj) -> str:
        user = obj.created_by
        return getattr(user, "display_name", "") or user.username


class ImportBatchDetailSerializer(ImportBatchSerializer):
    errors = ImportErrorSerializer(many=True, read_only=True, label="错误明细")

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "errors"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(label="导入类型", help_text="households（户与户成员）、members（党员）、links（党员联户）、cadres（村干部）")
    file = serializers.FileField(label="文件", error_messages={"required": "请选择要上传的 Excel 文件。",
                                                               "empty": "上传的文件是空的。"})


    def validate_kind(self, value: str) -> str:
        if value not in KINDS:
            raise serializers.ValidationError(f"未知的导入类型“{value}”，应为{'、'.join(KINDS)}之一。")
        return value


class ImportCommitSerializer(serializers.Serializer):
    file_sha256 = serializers.CharField(required=False, allow_blank=True, max_length=64, label="文件摘要",
                                        help_text="预览时返回的 file_sha256；给出时须与预览的文件一致")
