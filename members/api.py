from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.api_base import ArchiveMixin, RevealSerializer, ScopedViewSet, reveal_allowed, scoped_row
from accounts.api_export import ExportMixin
from accounts.models import SecurityAction
from accounts.scoping import REVEAL_ROLES, user_scope
from accounts.services import pii_reveal_log, security_event_record
from core import pii
from core.listing import DeferredJoinListMixin
from villages.models import Household, Village

from . import filters, serializers, services
from .models import HouseholdLink, PartyBranch, PartyMember


class PartyBranchViewSet(ArchiveMixin, ExportMixin, ScopedViewSet):
    """党组织。删除即归档（仍有在册党员时拒绝，409）；POST …/{id}/restore/ 恢复。"""

    queryset = PartyBranch.objects.select_related("town", "zone", "village")
    serializer_class = serializers.PartyBranchSerializer
    filterset_class = filters.PartyBranchFilter
    ordering_fields = ["id", "name", "kind"]

    def get_scoped_queryset(self):
        return self.queryset.annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True))).order_by("id")

    def destroy_instance(self, instance):
        services.branch_archive(branch=instance)


class PartyMemberViewSet(ExportMixin, ScopedViewSet):
    """党员。身份证号、电话只显示脱敏形式；完整信息经 reveal 查看并留痕。"""

    queryset = PartyMember.objects.all()
    serializer_class = serializers.PartyMemberSerializer
    filterset_class = filters.PartyMemberFilter
    ordering_fields = ["id", "name", "joined_on", "link_count"]  # not the birth date: an order is an oracle too

    def get_scoped_queryset(self):
        # order_by: Meta.ordering is dropped from GROUP BY queries, and pages need a stable order
        return PartyMember.objects.select_related("branch", "user").annotate(link_count=Count("links")).order_by("id")

    def perform_write(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.instance is None:
            return services.member_create(**data)
        return services.member_update(member=serializer.instance, **data)

    @extend_schema(summary="查看完整身份证号和电话（留痕）", request=None, responses=RevealSerializer)
    @action(detail=True, methods=["post"], read_only_action=True)
    def reveal(self, request, pk=None):
        member = self.get_object()
        if not reveal_allowed(request.user, member):
            raise PermissionDenied("您的角色不能查看完整个人信息。")
        pii_reveal_log(request=request, obj=member, fields=["id_number", "phone"])
        return Response(member.reveal())

    @extend_schema(summary="按身份证号查找党员（留痕）", request=serializers.MemberLookupSerializer,
                   responses=serializers.PartyMemberSerializer(many=True), filters=False)
    @action(detail=False, methods=["post"], read_only_action=True, pagination_class=None, filter_backends=[])
    def lookup(self, request):
        """Exact lookup by ID number, in a POST body so the number never appears in a URL or a log line;
        only roles that may reveal may ask (a lookup confirms a guess), and every lookup is logged."""
        scope = user_scope(request.user)
        if not scope.can_reveal():
            raise PermissionDenied("您的角色不能按身份证号查找。")
        params = serializers.MemberLookupSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            number = pii.normalize_id_number(params.validated_data["id_number"])
        except DjangoValidationError as exc:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"id_number": [f"身份证号：{m}" if not m.startswith("身份证号") else m
                                                 for m in exc.messages]}) from exc
        found = scope.filter(self.get_scoped_queryset().filter(pii.hash_q("id_number_hash", number)),
                             roles=REVEAL_ROLES, owner=False)
        rows = list(found)
        security_event_record(action=SecurityAction.PII_LOOKUP, request=request, object_type="members.partymember",
                              object_id=rows[0].pk if len(rows) == 1 else "", detail={"found": len(rows)})
        return Response(self.get_serializer(rows, many=True).data)

    @extend_schema(summary="党员离开：重新分配其联系的户（预览/执行）", request=serializers.MemberLeaveSerializer,
                   responses=serializers.MemberLeaveResultSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        member = self.get_object()
        self.ensure_writable(member)
        params = serializers.MemberLeaveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        candidates = None
        if "candidates" in params.validated_data:
            ids = params.validated_data["candidates"]
            candidates = list(user_scope(request.user).filter(PartyMember.objects.filter(pk__in=ids), write=True))
            if len(candidates) != len(set(ids)):
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"candidates": "部分接收党员不存在或不在您的管辖范围内。"})
        return Response(
            services.member_leave(member=member, left_on=params.validated_data["left_on"],
                                  apply=params.validated_data["apply"], candidates=candidates)
        )


    @extend_schema(summary="为本村联户党员开通网格员账号（预览/执行；初始密码只在执行结果中出现一次）",
                   request=serializers.MemberAccountsSerializer, responses=serializers.MemberAccountsResultSerializer,
                   filters=False)
    @action(detail=False, methods=["post"], url_path="accounts", pagination_class=None, filter_backends=[])
    def accounts(self, request):
        params = serializers.MemberAccountsSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        village = user_scope(request.user).filter(Village.objects.all()).filter(pk=params.validated_data["village"]).first()
        if village is None:
            raise ValidationError({"village": ["村/社区不存在或不在您的管辖范围内。"]})
        result = services.member_accounts_create(by=request.user, village=village, request=request,
                                                 apply=params.validated_data["apply"])
        response = Response(result)
        if result["applied"]:
            response["Cache-Control"] = "no-store"
        return response


class HouseholdLinkViewSet(ExportMixin, DeferredJoinListMixin, ScopedViewSet):
    """党员联户：一户一名党员，一名党员10–20户。"""

    queryset = HouseholdLink.objects.select_related("member", "household")
    serializer_class = serializers.HouseholdLinkSerializer
    filterset_class = filters.HouseholdLinkFilter
    ordering_fields = ["id", "linked_on"]

    def perform_write(self, serializer):
        data = serializer.validated_data
        if serializer.instance is None:
            return services.household_link_create(member=data["member"], household=data["household"])
        if "household" in data and data["household"].pk != serializer.instance.household_id:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"household": "联户记录不能改变户；请删除后重新联户。"})
        return services.household_link_move(link=serializer.instance, member=data.get("member", serializer.instance.member))

    def destroy_instance(self, instance):
        services.household_link_delete(link=instance)

    @extend_schema(summary="批量联户：把所选的户一起交给一名党员联系（预览/执行，全部成功或全部不做）",
                   request=serializers.HouseholdLinkBulkSerializer, responses=serializers.HouseholdLinkBulkResultSerializer,
                   filters=False)
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def bulk(self, request):
        """预览（apply=false）返回该党员现有户数、新增户数、合计与问题（errors）；执行时有问题即 400，什么都不写。"""
        scope = user_scope(request.user)
        if not scope.can_write(HouseholdLink):
            raise PermissionDenied("您的角色不能调整党员联户。")
        params = serializers.HouseholdLinkBulkSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        member = scoped_row(request, PartyMember, data["member"], field="member",
                            missing="党员不存在或不在您的管辖范围内。")
        ids = set(data["households"])
        found = list(scope.filter(Household.objects.filter(pk__in=ids)).only("id", "head_name", "grid_id"))
        if len(found) != len(ids):
            raise ValidationError({"households": [f"所选户中有{len(ids) - len(found)}户不存在或不在您的管辖范围内。"]})
        if scope.filter(Household.objects.filter(pk__in=ids), write=True).count() != len(ids):
            raise PermissionDenied("所选户中有户您无权调整联户。")
        result = services.household_links_bulk(member=member, households=found, apply=data["apply"])
        return Response(result)


ROUTES = [
    ("branches", PartyBranchViewSet),
    ("members", PartyMemberViewSet),
    ("household-links", HouseholdLinkViewSet),
]
