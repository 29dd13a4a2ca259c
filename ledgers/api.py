"""台账导入 API: GET /api/imports/templates/<kind>/ (xlsx), POST /api/imports/ (upload → preview),
POST /api/imports/{id}/commit/ (write all or nothing), GET /api/imports/ (the records in one's hierarchy)."""
from urllib.parse import quote

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.api_base import ScopedViewSet

from . import services
from .models import ImportBatch
from .serializers import ImportBatchDetailSerializer, ImportBatchSerializer, ImportCommitSerializer, ImportUploadSerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportBatchViewSet(ScopedViewSet):
    """Excel 导入记录：上传预览、确认导入。"""

    queryset = ImportBatch.objects.select_related("created_by")
    serializer_class = ImportBatchSerializer
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    history = None

    def get_scoped_queryset(self):
        return self.queryset.defer("rows", "errors") if self.action == "list" else self.queryset.defer("rows")

    def get_serializer_class(self):
        if self.action == "create":
            return ImportUploadSerializer
        if self.action == "commit":
            return ImportCommitSerializer
        return ImportBatchDetailSerializer if self.action == "retrieve" else ImportBatchSerializer

    @extend_schema(summary="上传并预览", request={"multipart/form-data": ImportUploadSerializer},
                   responses={201: ImportBatchDetailSerializer, 400: OpenApiResponse(description="文件无法读取或缺少列"),
                              403: OpenApiResponse(description="无权导入该类型")})
    def create(self, request, *args, **kwargs):
        """逐行校验上传的文件，不写入任何台账；返回新增、更新、不变的行数和每一处错误（行号、列名、原因）。"""
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            batch = services.batch_preview(user=request.user, kind=upload.validated_data["kind"],
                                           file_name=file.name, content=file.read())
        except services.PermissionDenied as exc:
            raise DrfPermissionDenied(str(exc)) from exc
        return Response(ImportBatchDetailSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="确认导入", request=ImportCommitSerializer,
                   responses={200: ImportBatchDetailSerializer, 400: OpenApiResponse(description="预览有错误"),
                              409: OpenApiResponse(description="已导入、文件或数据已变化")})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """一次性写入预览过的全部行（一个事务：任何一行失败都不写入）。"""
        batch = self.get_object()
        body = ImportCommitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            batch = services.batch_commit(user=request.user, batch=batch,
                                          file_sha256=body.validated_data.get("file_sha256") or None)
        except services.PermissionDenied as exc:
            raise DrfPermissionDenied(str(exc)) from exc
        except services.CommitRefused as exc:
            fresh = ImportBatch.objects.get(pk=batch.pk)
            return Response({"detail": str(exc), "batch": ImportBatchDetailSerializer(fresh).data},
                            status=status.HTTP_409_CONFLICT)
        return Response(ImportBatchDetailSerializer(batch).data)

    @extend_schema(summary="下载导入模板（xlsx）", request=None, filters=False,
                   responses={(200, XLSX): OpenApiTypes.BINARY, 400: OpenApiResponse(description="未知的导入类型"),
                              403: OpenApiResponse(description="无权导入该类型")})
    @action(detail=False, methods=["get"], url_path=r"templates/(?P<kind>[a-z]+)", pagination_class=None,
            filter_backends=[])
    def template(self, request, kind=None):
        """中文列名、下拉选项、一行示例和“说明”工作表。"""
        try:
            name, content = services.template_for(user=request.user, kind=kind)
        except services.PermissionDenied as exc:
            raise DrfPermissionDenied(str(exc)) from exc
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response


ROUTES = [("imports", ImportBatchViewSet)]
