"""Writes for party members and their household links (党员联户)."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count

from core import pii
from core.records import ArchiveRefused, record_archive
from villages.models import Household

from . import events
from .models import LINK_MAX, LINK_MIN, HouseholdLink, MemberStatus, PartyBranch, PartyMember


def _apply_pii(member: PartyMember, *, id_number: str | None, phone: str | None) -> None:
    errors = {}
    if id_number is not None:
        try:
            member.set_id_number(id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    if phone is not None:
        try:
            member.set_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)


def _eighteenth_birthday(birth: datetime.date) -> datetime.date:
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:  # born on 29 February
        return birth.replace(year=birth.year + 18, day=28)


def _check_member(member: PartyMember) -> None:
    errors = {}
    if member.joined_on and member.birth_date and member.joined_on < _eighteenth_birthday(member.birth_date):
        errors["joined_on"] = "入党日期不合理：入党时应年满18周岁。"
    if member.joined_on and member.joined_on > datetime.date.today():
        errors["joined_on"] = "入党日期不能晚于今天。"
    # Under every key of the ring: during a rotation the other member may still carry an old hash
    # (the unique constraint only compares hashes made by one key; see core.pii).
    if member.id_number_encrypted and PartyMember.objects.filter(
        pii.hash_q("id_number_hash", pii.decrypt(member.id_number_encrypted))
    ).exclude(pk=member.pk).exists():
        errors["id_number"] = "该身份证号已登记为其他党员。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def branch_archive(*, branch: PartyBranch) -> PartyBranch:
    """Archive a branch (soft): refused while members who have not left still belong to it."""
    branch = PartyBranch.objects.select_for_update().get(pk=branch.pk)
    active = PartyMember.objects.filter(branch=branch, left_on__isnull=True).count()
    if active:
        raise ArchiveRefused(f"不能归档：党组织“{branch.name}”还有{active}名在册党员，请先转出或办理离开。")
    return record_archive(branch)


def _check_branch(branch: PartyBranch | None) -> None:
    if branch is not None and branch.archived_at is not None:
        raise ValidationError({"branch": f"党组织“{branch.name}”已归档，不能再登记党员。"})


@transaction.atomic
def member_create(*, branch: PartyBranch, name: str, id_number: str, joined_on: datetime.date, phone: str = "",
                  status: str = MemberStatus.FULL, is_flowing: bool = False, duties: list[str] | None = None,
                  user=None) -> PartyMember:
    member = PartyMember(branch=branch, name=name, joined_on=joined_on, status=status, is_flowing=is_flowing,
                         duties=duties or [], user=user)
    _check_branch(branch)
    _apply_pii(member, id_number=id_number, phone=phone)
    _check_member(member)
    member.save()
    return member


@transaction.atomic
def member_update(*, member: PartyMember, id_number: str | None = None, phone: str | None = None, **changes) -> PartyMember:
    if "branch" in changes and changes["branch"].pk != member.branch_id:
        _check_branch(changes["branch"])
    for name, value in changes.items():
        setattr(member, name, value)
    _apply_pii(member, id_number=id_number, phone=phone)
    _check_member(member)
    member.save()
    return member


def _lock_member(member_id: int) -> PartyMember:
    return PartyMember.objects.select_for_update().get(pk=member_id)


def _links_changed(household_ids: list[int]) -> None:
    """Which member these households are linked to changed: tell the apps that follow links (domain event)."""
    if household_ids:
        events.household_links_changed.emit(household_ids=list(household_ids))


@transaction.atomic
def household_link_create(*, member: PartyMember, household: Household) -> HouseholdLink:
    """Link a household to a member: one member per household, at most 20 households per member."""
    member = _lock_member(member.pk)  # serialises concurrent links to the same member
    if member.left_on is not None:
        raise ValidationError({"member": f"党员{member.name}已离开，不能再联户。"})
    if HouseholdLink.objects.filter(household=household).exists():
        raise ValidationError({"household": f"{household.head_name}户已有联户党员，一户只能由一名党员联系。"})
    count = HouseholdLink.objects.filter(member=member).count()
    if count >= LINK_MAX:
        raise ValidationError({"member": f"党员{member.name}已联系{count}户，每名党员最多联系{LINK_MAX}户。"})
    try:
        with transaction.atomic():
            link = HouseholdLink.objects.create(member=member, household=household)
    except IntegrityError as exc:  # a concurrent link of the same household won the race
        raise ValidationError({"household": f"{household.head_name}户已有联户党员，一户只能由一名党员联系。"}) from exc
    _links_changed([household.pk])
    return link


@transaction.atomic
def household_link_move(*, link: HouseholdLink, member: PartyMember) -> HouseholdLink:
    target = _lock_member(member.pk)
    if target.pk == link.member_id:
        return link
    if target.left_on is not None:
        raise ValidationError({"member": f"党员{target.name}已离开，不能再联户。"})
    count = HouseholdLink.objects.filter(member=target).count()
    if count >= LINK_MAX:
        raise ValidationError({"member": f"党员{target.name}已联系{count}户，每名党员最多联系{LINK_MAX}户。"})
    link.member = target
    link.save(update_fields=["member"])
    _links_changed([link.household_id])
    return link


def household_links_bulk(*, member: PartyMember, households: list[Household], apply: bool) -> dict:
    """Link several households to one member at once (联户), all or nothing.

    The plan says how many households the member keeps now, how many are added and the total against
    the 10–20 rule. Households already linked to this member are left as they are; a household linked to
    another member, a member who has left, or a total above 20 are refusals: in the preview they are listed
    under ``errors`` (so the page can show them before saving), with ``apply`` they are a ValidationError
    and nothing is written.
    """
    if not households:
        raise ValidationError({"households": "请至少选择一户。"})
    unique = list({h.pk: h for h in households}.values())
    with transaction.atomic():
        locked = _lock_member(member.pk) if apply else PartyMember.objects.get(pk=member.pk)
        current = HouseholdLink.objects.filter(member=locked).count()
        existing = {link.household_id: link for link in
                    HouseholdLink.objects.filter(household__in=[h.pk for h in unique]).select_related("member")}
        rows, new, taken = [], [], []
        for household in sorted(unique, key=lambda h: (h.grid_id, h.pk)):
            link = existing.get(household.pk)
            state = "new" if link is None else ("kept" if link.member_id == locked.pk else "taken")
            rows.append({"household": household.pk, "head_name": household.head_name, "state": state,
                         "linked_member": link.member_id if link else None,
                         "linked_member_name": link.member.name if link else None})
            if state == "new":
                new.append(household)
            elif state == "taken":
                taken.append(f"{household.head_name}户（已由{link.member.name}联系）")
        after = current + len(new)
        errors = {}
        if locked.left_on is not None:
            errors["member"] = [f"党员{locked.name}已离开，不能再联户。"]
        elif after > LINK_MAX:
            errors["member"] = [f"党员{locked.name}已联系{current}户，再联系所选{len(new)}户将达{after}户，"
                                f"每名党员最多联系{LINK_MAX}户。"]
        if taken:
            errors["households"] = [f"{'、'.join(taken)}已有联户党员，一户只能由一名党员联系；请在该户的联户记录中改联户党员。"]
        result = {"member": locked.pk, "member_name": locked.name, "current": current, "adding": len(new),
                  "after": after, "link_min": LINK_MIN, "link_max": LINK_MAX, "households": rows,
                  "errors": errors, "applied": False}
        if not apply:
            return result
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                HouseholdLink.objects.bulk_create([HouseholdLink(member=locked, household=h) for h in new])
        except IntegrityError as exc:  # a concurrent link of one of these households won the race
            raise ValidationError({"households": "所选户中有户刚被其他党员联系，请刷新后重试。"}) from exc
        _links_changed([h.pk for h in new])
        result["applied"] = True
        return result


@transaction.atomic
def household_link_delete(*, link: HouseholdLink) -> None:
    household_id = link.household_id
    link.delete()
    _links_changed([household_id])


def member_leave(*, member: PartyMember, left_on: datetime.date, apply: bool,
                 candidates: list[PartyMember] | None = None) -> dict:
    """A member leaves: re-link all their households to other members, least loaded first.

    Candidates default to the active members of the same branch. Returns the plan;
    with ``apply`` it is carried out in one transaction (all or nothing).
    """
    if member.left_on is not None:
        raise ValidationError({"left_on": f"党员{member.name}已于{member.left_on:%Y-%m-%d}离开，不能重复办理。"})
    with transaction.atomic():
        households = list(
            Household.objects.filter(link__member=member).order_by("grid_id", "id").only("id", "head_name", "grid_id")
        )
        pool = PartyMember.objects.filter(left_on__isnull=True).exclude(pk=member.pk)
        pool = pool.filter(pk__in=[c.pk for c in candidates]) if candidates is not None else pool.filter(branch=member.branch_id)
        if apply:
            pool = pool.select_for_update()
        loads = {m.pk: (m, 0) for m in pool.order_by("id")}
        for row in HouseholdLink.objects.filter(member__in=list(loads)).values("member").annotate(n=Count("id")):
            m, _ = loads[row["member"]]
            loads[row["member"]] = (m, row["n"])
        plan = []
        for household in households:
            open_members = [(n, m.pk) for m, n in loads.values() if n < LINK_MAX]
            if not open_members:
                raise ValidationError(
                    {"candidates": f"可接收的党员名额不足：还有{len(households) - len(plan)}户无人接收（每人最多{LINK_MAX}户）。"}
                )
            _, target_id = min(open_members)
            target, n = loads[target_id]
            loads[target_id] = (target, n + 1)
            plan.append({"household": household.id, "head_name": household.head_name, "to_member": target.id,
                         "to_member_name": target.name})
        result = {"member": member.id, "member_name": member.name, "left_on": left_on.isoformat(),
                  "households": len(plan), "plan": plan, "applied": False}
        if not apply:
            return result
        _lock_member(member.pk)
        by_target: dict[int, list[int]] = {}
        for step in plan:
            by_target.setdefault(step["to_member"], []).append(step["household"])
        for target_id, household_ids in by_target.items():
            HouseholdLink.objects.filter(household_id__in=household_ids).update(member_id=target_id)
        PartyMember.objects.filter(pk=member.pk).update(left_on=left_on)
        _links_changed([step["household"] for step in plan])
        result["applied"] = True
        return result


# --- Accounts for linked members (issue 10 §2: bulk grid-member accounts) --------------------------------


def member_accounts_allowed(user) -> bool:
    """Whether ``user`` holds a manager role that may hand out grid-member accounts at all (the page's button)."""
    from accounts.scoping import GRID_MEMBER, user_scope
    from accounts.users import GRANTABLE

    return any(GRID_MEMBER in GRANTABLE.get(role, ()) for role in user_scope(user).roles)


def _username_base(name: str) -> str:
    from pypinyin import lazy_pinyin

    base = "".join(ch for ch in "".join(lazy_pinyin(name, errors="ignore")).lower() if ch.isascii() and ch.isalnum())
    return (base or "member")[:40]


def _username_pick(name: str, taken: set[str]) -> str:
    from accounts.models import User

    base = _username_base(name)
    existing = {u.lower() for u in User.objects.filter(username__istartswith=base).values_list("username", flat=True)}
    n = 1
    while f"{base}{n}" in existing or f"{base}{n}" in taken:
        n += 1
    taken.add(f"{base}{n}")
    return f"{base}{n}"


def member_accounts_create(*, by, village, apply: bool, request=None) -> dict:
    """Open a grid-member account for every current member of ``village``'s branches who keeps at least one
    household link and has no account yet: username from the name's pinyin and a number, a generated initial
    password (changed at first sign-in), the role grid_member on the grid of most of their linked households.

    ``by`` must be a manager who may grant grid_member on every one of those grids (a village cadre may not).
    Without ``apply`` only the plan; with it everything in one transaction (all or nothing), each account and
    grant in the security log. Members who already have an account are left alone (running again is a no-op)."""
    from django.core.exceptions import PermissionDenied

    from accounts.scoping import GRID_MEMBER
    from accounts.services import user_create
    from accounts.users import may_grant
    from villages.models import MicroGrid

    if by is not None and not member_accounts_allowed(by):
        raise PermissionDenied("您无权为党员开通账号：只有区、街道(镇)、工作区的管理人员可以开通网格员账号。")
    if by is not None and not may_grant(by, GRID_MEMBER, village):
        raise ValidationError({"village": ["所选村/社区不在您的管辖范围内，不能为其党员开通账号。"]})
    with transaction.atomic():
        members = PartyMember.objects.filter(branch__village=village, left_on__isnull=True, user__isnull=True,
                                             links__isnull=False).distinct().order_by("id")
        if apply:
            ids = list(members.values_list("pk", flat=True))
            members = PartyMember.objects.select_for_update().filter(pk__in=ids, user__isnull=True).order_by("id")
        members = list(members)
        counts: dict[int, dict[int, int]] = {}
        for row in (HouseholdLink.objects.filter(member__in=members).values("member", "household__grid")
                    .annotate(n=Count("id"))):
            counts.setdefault(row["member"], {})[row["household__grid"]] = row["n"]
        grids = MicroGrid.objects.in_bulk({g for per in counts.values() for g in per})
        refused = [grids[g].name for g in sorted(grids) if by is not None and not may_grant(by, GRID_MEMBER, grids[g])]
        if refused:
            raise ValidationError({"village": [f"您不能在网格“{'、'.join(refused)}”授予网格员角色。"]})
        taken: set[str] = set()
        rows = []
        for member in members:
            per = counts.get(member.pk, {})
            if not per:
                continue
            grid_id = min(per, key=lambda g: (-per[g], g))
            rows.append({"member": member.pk, "member_name": member.name, "username": _username_pick(member.name, taken),
                         "grid": grid_id, "grid_name": grids[grid_id].name, "households": sum(per.values())})
        result = {"village": village.pk, "village_name": village.name, "accounts": rows, "applied": False}
        if not apply:
            return result
        for row in rows:
            user = user_create(by=by, request=request, username=row["username"], display_name=row["member_name"],
                               role=GRID_MEMBER, node=grids[row["grid"]])
            PartyMember.objects.filter(pk=row["member"]).update(user=user)
            row["initial_password"] = user.initial_password
        result["applied"] = True
        return result
