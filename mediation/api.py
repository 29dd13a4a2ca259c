"""API of the mediation room: rooms, officers, the rota, dispute cases (transitions as actions), follow-ups."""
import datetime

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from accounts.api_base import ArchiveMixin, ScopedViewSet, reveal_allowed, scoped_row
from accounts.api_export import ExportMixin, stats_export
from accounts.permissions import ScopedAccess
from accounts.scoping import VILLAGE_UP, user_scope
from zones.models import WorkZone
from accounts.services import pii_reveal_log
from core.listing import DeferredJoinListMixin
from core.metrics import MetricError, Period
from villages.nodes import narrowed, scope_top

from . import filters, serializers, services
from .models import CaseEvent, DisputeCase, DutyOfficer, DutyShift, FollowUp, MediationRoom
from .selectors import (
    case_counts_by_state, case_list, case_statistics, cases_overdue, registry_statistics, shifts_on,
    statistics_definitions,
)
from .services.rota import rota_gaps


class CaseHandlerRole(BasePermission):
    """Cases are owned by their assignee (ScopeSpec.owner), which would let any signed-in user past the
    write check; acting on cases needs a role that handles them (village cadre and up). Raising a case
    from one's own visit (grid members) is checked by its service."""

    message = "您的角色不能办理矛盾纠纷案件。"
    open_actions = frozenset({"from_visit"})

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or getattr(view, "read_only_action", False):
            return True
        if getattr(view, "action", None) in self.open_actions:
            return True
        return bool(user_scope(request.user).roles & VILLAGE_UP)


class MediationRoomViewSet(ArchiveMixin, ScopedViewSet):
    """轮值调解室（每个工作区一间）：地点、开放时间、法律顾问、志愿者、今日值班。DELETE 归档（其下还有未归档的轮值人员时拒绝）。"""

    queryset = MediationRoom.objects.all()
    serializer_class = serializers.MediationRoomSerializer
    filterset_class = filters.MediationRoomFilter
    ordering_fields = ["zone", "name"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_scoped_queryset(self):
        today = DutyShift.objects.filter(date=timezone.localdate()).select_related("officer").order_by("slot")
        return MediationRoom.objects.select_related("zone").prefetch_related(
            Prefetch("shifts", queryset=today, to_attr="today_shifts")
        )

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            zone = data["zone"]
            if not user_scope(self.request.user).filter(WorkZone.objects.filter(pk=zone.pk), write=True).exists():
                raise PermissionDenied("您无权为该工作区设立调解室。")
            return services.room_save(**data)
        data.pop("zone", None)
        return services.room_save(room=serializer.instance, **data)


class DutyOfficerViewSet(ArchiveMixin, ScopedViewSet):
    """轮值人员（轮值名单）：顺序、每周休息日、请假日期；停止轮值或归档（DELETE）后其未来班次变为无人值班，不再排入新的排班。"""

    queryset = DutyOfficer.objects.select_related("user")
    serializer_class = serializers.DutyOfficerSerializer
    filterset_class = filters.DutyOfficerFilter
    ordering_fields = ["rotation_order", "id", "name"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            return services.rota.officer_save(**data)
        return services.rota.officer_save(officer=serializer.instance, **data)

    def destroy_instance(self, instance):
        services.rota.officer_archive(officer=instance)


class DutyShiftViewSet(ScopedViewSet):
    """值班班次：按时段生成排班、两班互换、今日值班、提前发现无人值班的班次。"""

    queryset = DutyShift.objects.select_related("room", "officer")
    serializer_class = serializers.DutyShiftSerializer
    filterset_class = filters.DutyShiftFilter
    ordering_fields = ["date", "slot", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        return Response({"detail": "请通过“生成排班”创建班次。"}, status=status.HTTP_405_METHOD_NOT_ALLOWED)

    def perform_write(self, serializer):
        data = serializer.validated_data
        officer = data.get("officer", serializer.instance.officer)
        return services.shift_assign(shift=serializer.instance, officer=officer, note=data.get("note"))

    @extend_schema(summary="生成排班", request=serializers.RotaGenerateSerializer,
                   responses={201: serializers.RotaResultSerializer}, filters=False)
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """按轮值名单为一个时段排班：每天每班都有人，同一人一天只值一班，尊重休息日，班次尽量平均。"""
        params = serializers.RotaGenerateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        room = scoped_row(request, MediationRoom, data["room"], field="room", write=True)
        officers = None
        if "officers" in data:
            found = {o.pk: o for o in DutyOfficer.objects.filter(pk__in=data["officers"], room=room)}
            missing = [str(pk) for pk in data["officers"] if pk not in found]
            if missing:
                raise drf_serializers.ValidationError({"officers": f"不是本调解室的轮值人员：{'、'.join(missing)}。"})
            officers = [found[pk] for pk in data["officers"]]
        days_off = {row["officer"]: row["dates"] for row in data.get("days_off", [])}
        shifts = services.rota_generate(
            room=room, start=data["start"], end=data["end"], officers=officers, days_off=days_off, replace=data["replace"]
        )
        for shift in shifts:
            shift.room = room
        officers_by_id = {o.pk: o for o in DutyOfficer.objects.filter(room=room)}
        load: dict[str, int] = {}
        for shift in shifts:
            shift.officer = officers_by_id.get(shift.officer_id)
            if shift.officer_id:
                load[str(shift.officer_id)] = load.get(str(shift.officer_id), 0) + 1
        return Response(
            {
                "created": len(shifts),
                "uncovered": sum(1 for s in shifts if s.officer_id is None),
                "load": load,
                "shifts": serializers.DutyShiftSerializer(shifts, many=True, context=self.get_serializer_context()).data,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(summary="两班互换", request=serializers.ShiftSwapSerializer, responses=serializers.DutyShiftSerializer(many=True),
                   filters=False)
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def swap(self, request, pk=None):
        first = self.get_object()
        params = serializers.ShiftSwapSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        second = scoped_row(request, DutyShift, params.validated_data["other"], field="other", write=True)
        first, second = services.shift_swap(first=first, second=second, by=request.user)
        data = serializers.DutyShiftSerializer([first, second], many=True, context=self.get_serializer_context()).data
        return Response(data)

    @extend_schema(
        summary="今日（或某日）值班",
        parameters=[serializers.DayQuerySerializer],
        responses=serializers.DutyShiftSerializer(many=True), filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def today(self, request):
        day = self.query_params(serializers.DayQuerySerializer)["date"]
        shifts = shifts_on(self.get_queryset(), day)
        return Response(serializers.DutyShiftSerializer(shifts, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="无人值班的班次（提前预警）",
        parameters=[serializers.GapsQuerySerializer],
        responses=serializers.RotaGapSerializer(many=True), filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def gaps(self, request):
        params = self.query_params(serializers.GapsQuerySerializer)
        rooms = user_scope(request.user).filter(MediationRoom.objects.all())
        if params.get("room") is not None:
            rooms = rooms.filter(pk=params["room"])
        start = params["start"]
        end = start + datetime.timedelta(days=params["days"] - 1)
        return Response(serializers.RotaGapSerializer(rota_gaps(rooms, start=start, end=end), many=True).data)


class DisputeCaseViewSet(ExportMixin, DeferredJoinListMixin, ScopedViewSet):
    """矛盾纠纷案件：村里看本村的，工作区看所辖各村的；状态变更通过各操作（action）完成，每次都记入办理记录。"""

    queryset = DisputeCase.objects.all()
    serializer_class = serializers.DisputeCaseSerializer
    filterset_class = filters.DisputeCaseFilter
    ordering_fields = ["received_at", "level_deadline", "id", "urgency", "state"]
    ordering = ["-received_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [ScopedAccess, CaseHandlerRole]

    def get_scoped_queryset(self):
        queryset = case_list(DisputeCase.objects.all())
        if self.action not in ("list", "statistics", "summary"):
            queryset = queryset.select_related("received_by", "agreement").prefetch_related(
                "parties", Prefetch("follow_ups", queryset=FollowUp.objects.select_related("visitor", "case"))
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.DisputeCaseListSerializer
        if self.action == "create":
            return serializers.DisputeCaseCreateSerializer
        return serializers.DisputeCaseSerializer

    def perform_write(self, serializer):
        return services.case_create(by=self.request.user, **serializer.validated_data)

    def _detail(self, case, code=status.HTTP_200_OK):
        case = self.get_scoped_queryset().get(pk=case.pk)
        return Response(serializers.DisputeCaseSerializer(case, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="受理登记", request=serializers.DisputeCaseCreateSerializer, responses={201: serializers.DisputeCaseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._detail(serializer.instance, status.HTTP_201_CREATED)

    @extend_schema(summary="由走访发现的民情登记案件", request=serializers.CaseFromVisitSerializer,
                   responses={201: serializers.DisputeCaseSerializer})
    @action(detail=False, methods=["post"], url_path="from-visit")
    def from_visit(self, request):
        """案件与走访记录双向关联（案件的 visit；走访的 dispute_cases）。"""
        from visits.models import Visit

        params = serializers.CaseFromVisitSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        visit = scoped_row(request, Visit, data.pop("visit"), field="visit")
        case = services.case_create_from_visit(visit=visit, by=request.user, **data)
        return self._detail(case, status.HTTP_201_CREATED)

    def _act(self, request, input_class, call):
        case = self.get_object()
        data = {}
        if input_class is not None:
            params = input_class(data=request.data)
            params.is_valid(raise_exception=True)
            data = dict(params.validated_data)
        case = call(case, data)
        return self._detail(case)

    @extend_schema(summary="分类处置", request=serializers.ClassifySerializer, responses=serializers.DisputeCaseSerializer)
    @action(detail=True, methods=["post"])
    def classify(self, request, pk=None):
        return self._act(request, serializers.ClassifySerializer,
                         lambda case, d: services.case_classify(case=case, by=request.user, **d))

    @extend_schema(summary="开始调处（含接收上交的案件）", request=serializers.NoteSerializer, responses=serializers.DisputeCaseSerializer)
    @action(detail=True, methods=["post"], url_path="start-mediation")
    def start_mediation(self, request, pk=None):
        return self._act(request, serializers.NoteSerializer,
                         lambda case, d: services.case_start_mediation(case=case, by=request.user, **d))

    @extend_schema(summary="调解成功：签订人民调解协议", request=serializers.ResolveSerializer, responses=serializers.DisputeCaseSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, serializers.ResolveSerializer,
                         lambda case, d: services.case_resolve(case=case, by=request.user, **d))

    @extend_schema(summary="调解未成", request=serializers.UnresolvedSerializer, responses=serializers.DisputeCaseSerializer)
    @action(detail=True, methods=["post"], url_path="mark-unresolved")
    def mark_unresolved(self, request, pk=None):
        return self._act(request, serializers.UnresolvedSerializer,
                         lambda case, d: services.case_mark_unresolved(case=case, by=request.user, **d))

    @extend_schema(summary="上交（村 → 工作区 → 街道）", request=serializers.NoteSerializer, responses=serializers.DisputeCaseSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(request, serializers.NoteSerializer,
                         lambda case, d: services.case_escalate(case=case, by=request.user, **d))

    @extend_schema(summary="转办（职能部门或法院）", request=serializers.ReferSerializer, responses=serializers.DisputeCaseSerializer)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        return self._act(request, serializers.ReferSerializer,
                         lambda case, d: services.case_refer(case=case, by=request.user, **d))

    @extend_schema(summary="结案", request=serializers.NoteSerializer, responses=serializers.DisputeCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, serializers.NoteSerializer,
                         lambda case, d: services.case_close(case=case, by=request.user, **d))

    @extend_schema(summary="办理记录（时间线）", responses=serializers.CaseEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        case = self.get_object()
        events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
        return Response(serializers.CaseEventSerializer(events, many=True).data)

    @extend_schema(summary="查看当事人完整电话和身份证号（留痕）", request=None, responses=serializers.PartyRevealSerializer(many=True),
                   filters=False)
    @action(detail=True, methods=["post"], read_only_action=True, pagination_class=None, filter_backends=[])
    def reveal(self, request, pk=None):
        case = self.get_object()
        if not reveal_allowed(request.user, case):
            raise PermissionDenied("您的角色不能查看完整个人信息。")
        parties = list(case.parties.all())
        for party in parties:
            pii_reveal_log(request=request, obj=party, fields=["phone", "id_number"])
        return Response([{"id": p.pk, "name": p.name, **p.reveal()} for p in parties])

    @extend_schema(
        summary="调解统计（按村/工作区/街道，按时段）",
        parameters=[serializers.StatisticsQuerySerializer],
        responses=serializers.StatisticsSerializer, filters=True,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def statistics(self, request):
        """数字取自指标登记表：所查节点（村、工作区或街道，须在管辖范围内）或本人管辖范围的顶层节点，按受理日期
        统计，与 GET /api/metrics/values/ 同一节点、同一统计期的值相同；每个数字的口径见 definitions。
        按状态、类别、关键词等筛选时（或管辖范围不是单一节点时），按范围内筛选后的案件以相同口径统计。"""
        # The registry's figures (core/metrics.py) for the node shown — the one asked (when the scope reaches it:
        # the metrics API's check, villages/nodes.py) or the scope's top — over the received dates (open ends:
        # 1900-01-01 and 2099-12-31). A selection the registry does not describe keeps case_statistics over the
        # scoped, filtered cases (same definitions).
        group_by = self.query_params(serializers.StatisticsQuerySerializer)["group_by"]
        queryset = self.filter_queryset(self.get_queryset())  # validates the filters (400 naming the field)
        target = self._statistics_target(request)
        if target is not None:
            return Response(registry_statistics(target[0], target[1], group_by=group_by))
        return Response({**case_statistics(queryset, group_by=group_by), "definitions": statistics_definitions()})

    REGISTRY_PARAMS = frozenset({"group_by", "received_after", "received_before", "village", "zone", "town"})

    def _statistics_target(self, request):
        """(node set, period) when the query is a node and a period only, else None (see ``statistics``)."""
        params = {k for k, v in request.query_params.items() if v not in ("", None)}
        if params - self.REGISTRY_PARAMS:
            return None
        form = filters.DisputeCaseFilter(request.query_params, queryset=DisputeCase.objects.none(), request=request)
        if not form.is_valid():
            return None
        data = form.form.cleaned_data
        asked = [(level, data.get(level)) for level in ("village", "zone", "town") if data.get(level) is not None]
        scope = user_scope(request.user)
        if len(asked) > 1:
            return None
        if asked:
            level, value = asked[0]
            nodes = narrowed(scope, level, int(getattr(value, "pk", value)))
        else:
            nodes = scope_top(scope)
        start = data.get("received_after") or datetime.date(Period.MIN_YEAR, 1, 1)
        end = data.get("received_before") or datetime.date(Period.MAX_YEAR, 12, 31)
        try:
            period = Period.parse(f"{start.isoformat()}..{end.isoformat()}")
        except MetricError:
            return None
        return None if nodes is None else (nodes, period)

    statistics_export = stats_export("statistics", title="调解统计", serializer=serializers.StatisticsSerializer)

    @extend_schema(summary="案件看板计数（按状态、超期、我承办的）", responses=serializers.CaseSummarySerializer, filters=True)
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return Response({
            "by_state": case_counts_by_state(queryset),
            "overdue": cases_overdue(queryset).count(),
            "mine": queryset.filter(assignee=request.user).exclude(state="closed").count(),
        })


class FollowUpViewSet(ScopedViewSet):
    """跟踪回访：化解或转办后由定时任务安排（默认第7、30天），记录回访方式与满意度。"""

    queryset = FollowUp.objects.select_related("case", "visitor")
    serializer_class = serializers.FollowUpSerializer
    filterset_class = filters.FollowUpFilter
    ordering_fields = ["due_date", "id"]
    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [ScopedAccess, CaseHandlerRole]

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        return Response({"detail": "回访由系统在案件化解或转办后安排。"}, status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @extend_schema(summary="记录回访", request=serializers.FollowUpRecordSerializer, responses=serializers.FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        follow_up = self.get_object()
        params = serializers.FollowUpRecordSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        follow_up = services.follow_up_record(follow_up=follow_up, by=request.user, **params.validated_data)
        follow_up = self.get_scoped_queryset().get(pk=follow_up.pk)
        return Response(serializers.FollowUpSerializer(follow_up).data)


ROUTES = [
    ("mediation-rooms", MediationRoomViewSet),
    ("duty-officers", DutyOfficerViewSet),
    ("duty-shifts", DutyShiftViewSet),
    ("dispute-cases", DisputeCaseViewSet),
    ("follow-ups", FollowUpViewSet),
]
