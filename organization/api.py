"""API of the cross-level work: the tree and the overview counts (all levels), and moves of a zone or a
village, which carry rows of several apps along.

They answer at the node's own address (``POST /api/zones/{id}/move/``, ``POST /api/villages/{id}/move/``);
see ``accounts.api_moves`` for the rules every move follows.
"""
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_export import XLSX, stats_xlsx_response
from accounts.api_moves import MoveSpec, move_view
from accounts.permissions import AuthenticatedOnly
from accounts.scoping import user_scope
from villages.models import HouseholdColor, Village
from zones.models import Town, WorkZone

from . import serializers, services
from .search import global_search
from .selectors import TREE_LEVELS, overview_below, overview_counts, tree_children


class TreeQuerySerializer(drf_serializers.Serializer):
    level = drf_serializers.ChoiceField(
        choices=list(TREE_LEVELS), default="town", help_text="要列出的层级，默认 town",
        error_messages={"invalid_choice": f"层级应为 {'/'.join(TREE_LEVELS)} 之一。"})
    parent = drf_serializers.IntegerField(required=False, allow_null=True, default=None, help_text="上级节点ID",
                                          error_messages={"invalid": "上级节点ID应为整数。"})


class TreeView(APIView):
    """层级树：逐级展开（街道 → 工作区 → 村 → 自然村 → 网格），附户数。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(
        summary="层级树（逐级）",
        parameters=[TreeQuerySerializer],
        responses=inline_serializer(
            "TreeNode",
            {
                "level": drf_serializers.CharField(), "id": drf_serializers.IntegerField(),
                "name": drf_serializers.CharField(), "children": drf_serializers.IntegerField(),
                "child_level": drf_serializers.CharField(allow_null=True),
                "households": drf_serializers.IntegerField(), "red": drf_serializers.IntegerField(),
                "orange": drf_serializers.IntegerField(),
            },
            many=True,
        ),
    )
    def get(self, request):
        params = TreeQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(tree_children(user_scope(request.user), **params.validated_data))


class OverviewView(APIView):
    """首页统计：管辖范围内的工作区、村、网格、各色户数、党员、未联户数（均取自指标登记表，当日实时）。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(
        summary="首页统计",
        responses=inline_serializer(
            "Overview",
            {
                "towns": drf_serializers.IntegerField(), "zones": drf_serializers.IntegerField(),
                "villages": drf_serializers.IntegerField(), "grids": drf_serializers.IntegerField(),
                "households": drf_serializers.IntegerField(),
                "households_by_color": drf_serializers.DictField(child=drf_serializers.IntegerField()),
                "members": drf_serializers.IntegerField(), "links": drf_serializers.IntegerField(),
                "unlinked_households": drf_serializers.IntegerField(),
                "link_coverage": drf_serializers.FloatField(allow_null=True, help_text="联户覆盖率（%）"),
                "definitions": drf_serializers.DictField(
                    child=drf_serializers.CharField(), help_text="每个数字的名称与口径（指标登记表），键同上；四色户数的键为颜色"),
            },
        ),
    )
    def get(self, request):
        return Response(overview_counts(user_scope(request.user)))


OVERVIEW_ITEMS = [("towns", "街道（镇）"), ("zones", "党建工作区"), ("villages", "村/社区"), ("grids", "微网格"),
                  ("households", "户"), ("members", "在册党员"), ("links", "已联户"), ("unlinked_households", "未联户")]


class OverviewExportView(APIView):
    """首页统计导出：概况（附口径）、四色分类、各下级节点的户数（与首页相同的管辖范围）。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="导出首页统计（xlsx）", responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        scope = user_scope(request.user)
        counts = overview_counts(scope)
        total = counts["households"]
        data = {
            "summary": [{"item": label, "count": counts[key], "definition": counts["definitions"][key]}
                        for key, label in OVERVIEW_ITEMS],
            "colors": [{"color": label, "count": counts["households_by_color"].get(value, 0),
                        "share": round(counts["households_by_color"].get(value, 0) / total, 4) if total else None}
                       for value, label in HouseholdColor.choices],
            "below": overview_below(scope),
        }
        return stats_xlsx_response(request, title="首页统计", data=data, object_type="villages.household", tables=[
            ("概况", "summary", [("item", "项目"), ("count", "数量"), ("definition", "口径（指标登记表）")]),
            ("四色分类", "colors", [("color", "分类"), ("count", "户数"), ("share", "占比")]),
            ("下级统计", "below", [("level", "层级"), ("name", "名称"), ("households", "户数"), ("red", "红色户"),
                                ("orange", "橙色户")]),
        ])


class SearchQuerySerializer(drf_serializers.Serializer):
    q = drf_serializers.CharField(
        max_length=50, help_text="关键词：姓名/名称、拼音首字母（如 zs）、住址、案由，1–50 个字",
        label="搜索关键词",
        error_messages={"required": "搜索关键词（q）：请输入 1–50 个字。", "blank": "搜索关键词（q）：请输入 1–50 个字。",
                        "max_length": "搜索关键词（q）：不能超过 {max_length} 个字。"})


class SearchHitSerializer(drf_serializers.Serializer):
    id = drf_serializers.IntegerField()
    title = drf_serializers.CharField(help_text="户主姓名、党员姓名、村名或“案件编号 案由”")
    subtitle = drf_serializers.CharField(help_text="户：村 · 住址；党员：党组织；村：工作区；案件：村")
    url = drf_serializers.CharField(help_text="页面地址")


class SearchResultSerializer(drf_serializers.Serializer):
    households = SearchHitSerializer(many=True)
    members = SearchHitSerializer(many=True)
    villages = SearchHitSerializer(many=True)
    cases = SearchHitSerializer(many=True)


class SearchView(APIView):
    """全局搜索：管辖范围内的户、党员、村/社区、矛盾纠纷案件，按名称、拼音首字母或住址匹配，每类最多 5 条。"""

    permission_classes = [AuthenticatedOnly]

    @extend_schema(summary="全局搜索", parameters=[SearchQuerySerializer], responses=SearchResultSerializer)
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(global_search(request.user, params.validated_data["q"]))


ZONE_MOVE = MoveSpec(
    field="town", label="目标街道(镇)ID", target_model=Town, denied="您无权向该街道(镇)迁入工作区。",
    service=lambda zone, town, apply: services.zone_move(zone=zone, to_town=town, apply=apply),
    response=serializers.ZoneMoveSerializer, summary="工作区迁移到其他街道(镇)（预览/执行）", description="预览迁移涉及的村、户、党组织；apply=true 时在一个事务中执行。",
)
VILLAGE_MOVE = MoveSpec(
    field="zone", label="目标工作区ID", target_model=WorkZone, error_field="target",
    service=lambda village, zone, apply: services.village_move(village=village, to_zone=zone, apply=apply),
    response=serializers.VillageMoveSerializer, summary="村/社区迁移到其他工作区（预览/执行）", description="预览迁移涉及的自然村、网格、户、党组织；apply=true 时在一个事务中执行。",
)

URLS = [
    path("tree/", TreeView.as_view(), name="tree"),
    path("overview/", OverviewView.as_view(), name="overview"),
    path("overview/export/", OverviewExportView.as_view(), name="overview-export"),
    path("search/", SearchView.as_view(), name="search"),
    path("zones/<int:pk>/move/", move_view(WorkZone, ZONE_MOVE).as_view(), name="zone-move"),
    path("villages/<int:pk>/move/", move_view(Village, VILLAGE_MOVE).as_view(), name="village-move"),
]
