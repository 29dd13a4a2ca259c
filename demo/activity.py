"""A year of activity ending today, for the demo (issue 10 §5): visits, colour changes, coverage snapshots,
mediation rooms with their rota, dispute cases; then the daily reminder job for the last days.

Shape (from the seeds' yearly reports): every linked member visits their households at about the pace the
household's colour demands (red weekly … green quarterly), in person mostly, by phone or WeChat otherwise,
serving the six duties; per zone 85–95% of households are covered (visited within their interval), some grids lag
behind; a few hundred households in the district are overdue. The households that are neither covered nor
overdue are the ones whose colour was raised recently (the raise counts the new interval from the change,
``visits.services.due_after_color_change``) and those registered within their first interval, not visited yet.

Everything is planned in Python from a seeded generator (one row per household, one per case), written with
COPY, then expanded set-based in SQL (one INSERT … SELECT for all visits, the per-visit choices from
``hashint8extended`` of the seed, so the same ``--seed`` gives the same rows). Invariants kept as the services
keep them: ``next_visit_due`` = last visit + the interval of its colour under the policy in force
(``visits.selectors.policies_by_zone``), or registration + interval before the first visit, or the raise's rule;
``HouseholdVisitState`` is the last visit; cases carry their village's zone and town. No audit history.
"""
from __future__ import annotations

import datetime
import random
from collections import defaultdict
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.text import pinyin_key
from demo import accounts as demo

PLAN = "demo_activity_plan"  # temporary table: one row per household
YEAR_DAYS = 365
LAGGING_GRID_SHARE = 0.12
REMINDER_DAYS = 14  # the reminder job is run for the last two weeks

RAISE_REASONS = {
    "yellow": ("家庭成员失业，收入下降", "新申请低保，生活困难", "老人独居，子女外出务工", "家中有人残疾，需要照顾"),
    "orange": ("户主突发重病住院", "独居老人行动不便", "因病致贫风险上升", "邻里矛盾反复，需要持续关注"),
    "red": ("因宅基地边界与邻居发生纠纷", "多次到镇里信访", "家庭矛盾激化", "重病叠加低保，需要重点帮扶"),
}
LOWER_REASONS = ("纠纷已调解化解，关系缓和", "病情好转，生活可以自理", "子女返乡照料", "已纳入低保并落实帮扶措施",
                 "信访事项已办结，本人满意")
CONCERNS = (
    "反映村内道路路灯损坏", "询问医保缴费政策", "希望增加农技培训", "反映灌溉用水不足", "询问养老保险待遇",
    "反映邻居违规搭建", "希望帮助联系就业岗位", "反映垃圾清运不及时", "询问危房改造补贴", "反映饮水水压低",
    "希望开展文艺活动", "询问高龄补贴申领", "反映子女上学交通不便", "询问土地流转租金", "反映家中电线老化",
)
FOLLOW_UP_NOTES = ("已报村两委研究", "已转工作区经济发展办公室", "已联系供电所上门检修", "已协调网格员跟进")
DUTY_SETS = (
    ("concerns",), ("policy", "concerns"), ("concerns", "harmony"), ("policy", "concerns", "guardian"),
    ("concerns", "development"), ("model", "concerns"), ("concerns", "guardian"), ("policy",), ("concerns",),
    ("concerns", "harmony", "development"),
)

CASE_TITLES = {
    "neighbour": ("邻里排水纠纷", "邻里噪音纠纷", "院墙滴水纠纷", "邻里通行纠纷"),
    "family": ("赡养老人纠纷", "婚姻家庭纠纷", "分家析产纠纷"),
    "land": ("宅基地边界纠纷", "承包地界纠纷", "林地权属纠纷"),
    "property": ("物业服务纠纷", "小区停车纠纷"),
    "labour": ("拖欠工资纠纷", "务工受伤赔偿纠纷"),
    "contract": ("土地流转合同纠纷", "房屋租赁合同纠纷", "买卖合同纠纷"),
    "other": ("养殖异味纠纷", "电动车碰撞赔偿纠纷"),
}
CASE_TERMS = ("双方同意按原界线重新立界，各自拆除越界部分", "被申请人一次性支付赔偿款人民币{}元",
              "子女轮流赡养，每月各支付生活费{}元", "双方互谅互让，今后和睦相处，不再因此事争执",
              "承包方于本月底前结清租金{}元")
REFERRAL_TARGETS = {"department": ("区住建局", "区自然资源局", "区人社局", "区市场监管局"), "court": ("章丘区人民法院",)}
OPEN_STATES = ("received", "classified", "mediating", "unresolved", "escalated")
ALL_STATES = ("received", "classified", "mediating", "unresolved", "escalated", "resolved", "referred", "follow_up", "closed")


def _execute(cursor, sql: str, params: dict) -> int:
    """Run a statement with named parameters: rendered first, because pgtrigger's ignore wrapper prepends a
    positional parameter (and the two formats cannot be mixed)."""
    rendered = cursor.cursor.mogrify(sql, params).decode()
    cursor.execute(rendered.replace("%", "%%"), [])
    return cursor.rowcount


@contextmanager
def _triggers_off(cursor):
    """For the big set-based inserts: without per-row triggers (the audit triggers, ignored anyway, and the foreign-key
    checks of rows built from the keys just read) when the role may (a superuser, as in development and tests);
    otherwise with them, slower. Rows are consistent by construction."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    superuser = cursor.fetchone()[0]
    if superuser:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = origin")


def _hash_sql(key: str, seed: int) -> str:
    return f"abs(hashint8extended({key}, {int(seed)}))"


class YearOfActivity:
    """Writes the year. ``run`` inside the seeding transaction; ``reminders_run`` after it commits (the job runs its
    own transactions, and its notifications go to the demo accounts, made after the load)."""

    def __init__(self, *, seed: int, write, phase, writer, reserve_ids, now: datetime.datetime, today: datetime.date):
        self.seed = seed
        self.rng = random.Random(seed * 7919 + 1)  # its own generator: the tree is the same with or without the year
        self.write, self.phase, self.writer, self.reserve_ids = write, phase, writer, reserve_ids
        self.now, self.today = now, today
        self.midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        self.counts: dict[str, int] = {}

    def at(self, day: datetime.date, hour: float) -> datetime.datetime:
        """A reproducible moment of a past day (local time)."""
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) + datetime.timedelta(hours=hour)

    # -- visits ---------------------------------------------------------------------------------
    def plan_households(self) -> list[tuple]:
        from visits.models import COLORS
        from visits.selectors import policies_by_zone

        rng, today = self.rng, self.today
        policies = policies_by_zone()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT h.id, h.color, h.grid_id, h.village_id, h.zone_id, h.town_id, l.member_id, m.name "
                "FROM villages_household h LEFT JOIN members_householdlink l ON l.household_id = h.id "
                "LEFT JOIN members_partymember m ON m.id = l.member_id ORDER BY h.id"
            )
            households = cursor.fetchall()
        zone_ids = sorted({row[4] for row in households})
        uncovered = {z: rng.uniform(0.065, 0.115) for z in zone_ids}
        lagging: dict[int, bool] = {}
        start = today - datetime.timedelta(days=YEAR_DAYS - 1)
        plan, changes = [], []
        normal_factor = (1 - LAGGING_GRID_SHARE * 1.9) / (1 - LAGGING_GRID_SHARE)
        for h_id, color, grid_id, village_id, zone_id, town_id, member_id, member_name in households:
            if member_id is None:
                continue  # the demo links every household; a household without a member is not visited here
            intervals = policies[zone_id].intervals if zone_id in policies else None
            interval = intervals[color]
            lag = lagging.setdefault(grid_id, rng.random() < LAGGING_GRID_SHARE)
            p_pending = uncovered[zone_id] * (1.9 if lag else normal_factor)
            p_overdue = (0.006 if lag else 0.0006) * (2 if color == "red" else 1)
            roll = rng.random()
            change_on = from_color = None
            created_on = None
            if roll < p_overdue:
                last = today - datetime.timedelta(days=interval + rng.randint(1, 10 if color == "red" else 40))
                due = last + datetime.timedelta(days=interval)
                step_interval = interval
            elif roll < p_overdue + p_pending:
                lower = [c for c in COLORS[: COLORS.index(color)] if intervals[c] - interval >= 2]
                if lower and rng.random() < 0.55:  # raised recently: the new, shorter interval counts from the change
                    from_color = rng.choice(lower)
                    old = intervals[from_color]
                    last = today - datetime.timedelta(days=rng.randint(interval + 1, old - 1))
                    change_on = max(last + datetime.timedelta(days=1),
                                    today - datetime.timedelta(days=rng.randint(0, interval - 1)))
                    due = min(last + datetime.timedelta(days=old), change_on + datetime.timedelta(days=interval))
                    step_interval = old
                    changes.append((h_id, from_color, color, change_on, due, "raise"))
                else:  # registered within its first interval (分户、迁入), not visited yet
                    created_on = today - datetime.timedelta(days=rng.randint(0, interval - 1))
                    plan.append((h_id, member_id, member_name, color, None, None, 1, 0, created_on,
                                 created_on + datetime.timedelta(days=interval), None, None, village_id, zone_id, town_id,
                                 interval))
                    continue
            else:
                skew = 1.6 if lag else 1.0  # lagging grids visit late in the interval
                last = today - datetime.timedelta(days=min(interval - 1, int(interval * rng.random() ** (1 / skew))))
                due = last + datetime.timedelta(days=interval)
                step_interval = interval
                if rng.random() < 0.03 and (last - start).days > 20:  # reclassified earlier in the year
                    change_on = start + datetime.timedelta(days=rng.randint(1, (last - start).days - 1))
                    from_color = rng.choice([c for c in COLORS if c != color])
                    changes.append((h_id, from_color, color, change_on, change_on + datetime.timedelta(days=interval),
                                    "raise" if COLORS.index(color) > COLORS.index(from_color) else "lower"))
            step = max(1, round(step_interval * rng.uniform(0.8, 1.0)))
            n = 1 + max(0, (last - start).days) // step
            plan.append((h_id, member_id, member_name, color, last, step, n, n, None, due, change_on, from_color,
                         village_id, zone_id, town_id, interval))
        self.color_changes_planned = changes
        return plan

    def write_visits(self) -> None:
        from visits.models import DEFAULT_CONTENT

        plan = self.plan_households()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PLAN}")
            cursor.execute(
                f"CREATE TEMP TABLE {PLAN} (household_id bigint PRIMARY KEY, member_id bigint, member_name text, "
                "color text, last_on date, step int, n int, visits int, created_on date, due date, change_on date, "
                "from_color text, village_id bigint, zone_id bigint, town_id bigint, interval_days int) ON COMMIT DROP"
            )
        w = _TempCopy(PLAN)
        for row in plan:
            w.add(row)
        w.flush()
        h = _hash_sql("p.household_id * 1000 + k", self.seed)
        content = " ".join(f"WHEN '{c}' THEN %(content_{c})s::varchar[]" for c in DEFAULT_CONTENT)
        duties = " ".join(f"WHEN {i} THEN %(duties_{i})s::varchar[]" for i in range(len(DUTY_SETS)))
        params = {f"content_{c}": v for c, v in DEFAULT_CONTENT.items()}
        params.update({f"duties_{i}": list(d) for i, d in enumerate(DUTY_SETS)})
        params.update(concerns=list(CONCERNS), notes=list(FOLLOW_UP_NOTES), tz=settings.TIME_ZONE, today=self.today)
        with connection.cursor() as cursor, _triggers_off(cursor):
            _execute(
                cursor, "INSERT INTO visits_visit (household_id, visitor_member_id, visitor_name, visited_on, method, color, "
                "content, duties, concerns, follow_up_needed, follow_up_note, follow_up_result, follow_up_done_at, created_at) "
                "SELECT household_id, member_id, left(member_name, 50), on_day, "
                "  CASE WHEN r1 < (CASE vcolor WHEN 'red' THEN 850 WHEN 'orange' THEN 780 ELSE 640 END) THEN 'in_person' "
                "       WHEN r1 < 900 THEN 'phone' ELSE 'online' END, vcolor, "
                f"  (CASE vcolor {content} END)[1:2 + r2 %% 3], (CASE r3 %% {len(DUTY_SETS)} {duties} END), "
                f"  CASE WHEN r4 < 220 THEN (%(concerns)s::text[])[1 + r5 %% {len(CONCERNS)}] ELSE '' END, r4 < 30, "
                f"  CASE WHEN r4 < 30 THEN (%(notes)s::text[])[1 + r5 %% {len(FOLLOW_UP_NOTES)}] ELSE '' END, "
                # follow-ups older than two weeks were mostly handled (the work list keeps the recent and a few old)
                "  CASE WHEN r4 < 27 AND on_day < %(today)s - 14 THEN '已协调解决，群众满意' ELSE '' END, "
                "  CASE WHEN r4 < 27 AND on_day < %(today)s - 14 "
                "       THEN (on_day + (3 + r2 %% 8)::int + time '16:00') AT TIME ZONE %(tz)s END, "
                "  (on_day + time '08:30' + (r2 * interval '40 seconds')) AT TIME ZONE %(tz)s "
                "FROM ("
                "  SELECT p.household_id, p.member_id, p.member_name, p.last_on - k * p.step AS on_day, "
                "    CASE WHEN p.change_on IS NOT NULL AND p.last_on - k * p.step < p.change_on THEN p.from_color "
                "         ELSE p.color END AS vcolor, "
                f"    {h} %% 1000 AS r1, ({h} / 1000) %% 1000 AS r2, ({h} / 1000000) %% 1000 AS r3, "
                f"    ({h} / 1000000000) %% 1000 AS r4, ({h} / 1000000000000) %% 1000 AS r5 "
                f"  FROM {PLAN} p CROSS JOIN LATERAL generate_series(0, p.n - 1) AS k WHERE p.last_on IS NOT NULL"
                "  ORDER BY p.household_id, k) AS v",
                params,
            )
            self.counts["visits"] = cursor.rowcount
            cursor.execute(
                "INSERT INTO visits_householdvisitstate (household_id, last_visit_id, last_visited_on, visits) "
                "SELECT DISTINCT ON (household_id) household_id, id, visited_on, "
                "  count(*) OVER (PARTITION BY household_id) FROM visits_visit ORDER BY household_id, visited_on DESC, id"
            )
            _execute(
                cursor, f"UPDATE villages_household h SET next_visit_due = p.due, "
                f"created_at = COALESCE((p.created_on + time '10:00') AT TIME ZONE %(tz)s, h.created_at) "
                f"FROM {PLAN} p WHERE p.household_id = h.id", {"tz": settings.TIME_ZONE},
            )

    def write_color_changes(self) -> None:
        from visits.models import ColorChange

        rng = self.rng
        w = self.writer(ColorChange, ["household", "from_color", "to_color", "reason", "source", "changed_at",
                                      "next_visit_due"])
        for h_id, from_color, to_color, on, due, direction in self.color_changes_planned:
            if direction == "raise":
                reason = rng.choice(RAISE_REASONS[to_color])
            else:
                reason = rng.choice(LOWER_REASONS)
            source = "suggestion" if rng.random() < 0.25 else "manual"
            w.add(h_id, from_color, to_color, reason, source, self.at(on, rng.uniform(8.5, 17.5)), due)
        w.flush()
        self.counts["color_changes"] = w.count

    def write_coverage_snapshots(self) -> None:
        """Snapshots for the trend charts: weekly for the last 12 weeks (the dashboard's default), every 4 weeks
        before that back to a year (fewer rows to compute at seed time), from the planned visit schedule: at day d the latest
        visit is last_on − k·step for the smallest k that puts it on or before d."""
        latest = ("CASE WHEN p.last_on IS NULL THEN NULL WHEN d.day >= p.last_on THEN p.last_on "
                  "WHEN ceil((p.last_on - d.day)::numeric / p.step) <= p.n - 1 "
                  "THEN p.last_on - (ceil((p.last_on - d.day)::numeric / p.step))::int * p.step END")
        with connection.cursor() as cursor:
            self.counts["coverage_snapshots"] = _execute(
                cursor, "INSERT INTO visits_coveragesnapshot (taken_on, village_id, zone_id, town_id, households, covered, overdue) "
                "SELECT day, village_id, zone_id, town_id, count(*), "
                "  count(*) FILTER (WHERE latest >= day - interval_days), "
                "  count(*) FILTER (WHERE COALESCE(latest, created_on) + interval_days < day) "
                f"FROM (SELECT d.day, p.village_id, p.zone_id, p.town_id, p.interval_days, p.created_on, {latest} AS latest "
                f"      FROM {PLAN} p CROSS JOIN (SELECT (%(today)s::date - 7 * w) AS day FROM generate_series(1, 52) w WHERE w <= 12 OR mod(w, 4) = 0) d "
                "      WHERE p.created_on IS NULL OR p.created_on <= d.day) s "
                "GROUP BY day, village_id, zone_id, town_id",
                {"today": self.today},
            )

    # -- mediation -------------------------------------------------------------------------------
    def load_zones(self) -> list[dict]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, town_id, name FROM zones_workzone ORDER BY id")
            zones = [{"id": i, "town_id": t, "name": n, "villages": [], "committee": [], "secretaries": []}
                     for i, t, n in cursor.fetchall()]
            by_id = {z["id"]: z for z in zones}
            cursor.execute("SELECT id, zone_id, name FROM villages_village ORDER BY id")
            villages = {}
            for v_id, z_id, name in cursor.fetchall():
                villages[v_id] = {"id": v_id, "name": name}
                by_id[z_id]["villages"].append(villages[v_id])
            cursor.execute("SELECT id, zone_id, name, role FROM zones_committeemember ORDER BY id")
            for c_id, z_id, name, role in cursor.fetchall():
                by_id[z_id]["committee"].append((c_id, name, role))
            cursor.execute("SELECT c.id, v.zone_id, c.name FROM villages_villagecadre c JOIN villages_village v "
                           "ON v.id = c.village_id WHERE c.role IN ('secretary', 'secretary_director') ORDER BY c.id")
            for c_id, z_id, name in cursor.fetchall():
                by_id[z_id]["secretaries"].append((c_id, name))
        return zones

    def write_rooms_and_rota(self, zones: list[dict]) -> None:
        from mediation.models import DutyOfficer, DutyShift, MediationRoom
        from mediation.services.rota import plan_rota

        rng, today = self.rng, self.today
        rooms_w = self.writer(MediationRoom, ["zone", "name", "place", "phone", "open_weekdays", "shifts_per_day",
                                              "legal_advisers", "volunteers", "created_at"])
        officers_w = self.writer(DutyOfficer, ["id", "room", "name", "kind", "committee_member", "village_cadre",
                                               "rotation_order", "weekdays_off", "dates_off", "active"])
        shifts_w = self.writer(DutyShift, ["room", "date", "slot", "officer", "note"])
        plans = []
        for zone in zones:
            officers = []
            kinds = {"secretary": "secretary", "deputy": "deputy", "member": "committee"}
            for c_id, name, role in zone["committee"]:
                if role in kinds:
                    officers.append({"name": name, "kind": kinds[role], "committee": c_id, "cadre": None})
            for c_id, name in zone["secretaries"]:
                officers.append({"name": name, "kind": "village_secretary", "committee": None, "cadre": c_id})
            plans.append((zone, officers))
        first = self.reserve_ids(DutyOfficer, sum(len(o) for _, o in plans))
        next_id = first
        start, end = today - datetime.timedelta(days=56), today + datetime.timedelta(days=56)
        days_all = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
        for zone, officers in plans:
            weekend = rng.random() < 0.3
            open_weekdays = [0, 1, 2, 3, 4, 5] if weekend else [0, 1, 2, 3, 4]
            slots = 2 if rng.random() < 0.7 else 1
            lawyer = demo.chinese_name(rng, rng.choice("MF"))
            rooms_w.add(zone["id"], f"{zone['name']}轮值调解室", f"{zone['name']}党群服务中心一楼",
                        f"0531-8{rng.randrange(10**6, 10**7)}", open_weekdays, slots,
                        [f"{lawyer}（山东{rng.choice(demo.PLACE_CORES)}律师事务所）"],
                        [demo.chinese_name(rng, rng.choice("MF")) for _ in range(rng.randint(3, 6))], self.midnight)
            off: dict[int, set] = {}
            for order, officer in enumerate(officers):
                officer["id"] = next_id
                next_id += 1
                weekdays_off = [rng.choice(open_weekdays)] if rng.random() < 0.2 else []
                leave = sorted({today + datetime.timedelta(days=rng.randint(-50, 50)) for _ in range(rng.randint(0, 2))})
                officers_w.add(officer["id"], zone["id"], officer["name"], officer["kind"], officer["committee"],
                               officer["cadre"], order + 1, weekdays_off, leave, True)
                off[officer["id"]] = {d for d in days_all if d.weekday() in weekdays_off or d in leave}
            days = [d for d in days_all if d.weekday() in open_weekdays]
            rota = plan_rota(days=days, slots_per_day=slots, rotation=[o["id"] for o in officers], days_off=off)
            for day, slot, officer_id in rota.shifts:
                shifts_w.add(zone["id"], day, slot, officer_id, "" if officer_id else "无人可排，请调整")
        rooms_w.flush()
        officers_w.flush()
        shifts_w.flush()
        self.counts.update(rooms=rooms_w.count, duty_officers=officers_w.count, duty_shifts=shifts_w.count)

    def write_cases(self, zones: list[dict]) -> None:
        from mediation.models import CaseEvent, DisputeCase, DisputeParty, FollowUp, MediationAgreement

        rng, today = self.rng, self.today
        deadline = settings.MEDIATION_DEADLINE_DAYS
        follow_days = list(settings.MEDIATION_FOLLOW_UP_DAYS)
        idle = int(settings.MEDIATION_IDLE_DAYS)
        cases = []
        for zone in zones:
            n = rng.randint(30, 50)
            # the first nine of every zone go through every state once, the rest mostly end resolved and closed
            targets = list(ALL_STATES) + rng.choices(
                ALL_STATES, weights=(2, 2, 4, 2, 2, 2, 5, 14, 67), k=n - len(ALL_STATES))
            for target in targets:
                cases.append(self.plan_case(zone, target, deadline, follow_days, idle))
        case_ids = self.reserve_ids(DisputeCase, len(cases))
        cw = self.writer(DisputeCase, [
            "id", "title", "source", "category", "urgency", "description", "village", "zone", "town", "state", "level",
            "level_deadline", "received_at", "last_activity_at", "zone_escalated_at", "town_escalated_at", "resolved_at",
            "resolved_level", "on_the_spot", "referred_at", "referral_kind", "referral_target", "closed_at",
            "created_at", "updated_at"])
        pw = self.writer(DisputeParty, ["case", "role", "name", "name_pinyin", "address", "confirmed_at", "phone_encrypted",
                                         "phone_hash", "phone_masked", "id_number_encrypted", "id_number_hash",
                                         "id_number_masked"])
        ew = self.writer(CaseEvent, ["case", "action", "from_state", "to_state", "from_level", "to_level", "note",
                                     "created_at"])
        aw = self.writer(MediationAgreement, ["case", "terms", "performance", "mediators", "signed_on", "created_at"])
        fw = self.writer(FollowUp, ["case", "sequence", "due_date", "done_on", "method", "satisfaction",
                                    "agreement_performed", "note", "created_at"])
        for i, c in enumerate(cases):
            cid = case_ids + i
            cw.add(cid, c["title"], c["source"], c["category"], c["urgency"], c["description"], c["village"]["id"],
                   c["zone"]["id"], c["zone"]["town_id"], c["state"], c["level"], c["level_deadline"], c["received_at"],
                   c["last_activity_at"], c["zone_escalated_at"], c["town_escalated_at"], c["resolved_at"],
                   c["resolved_level"], c["on_the_spot"], c["referred_at"], c["referral_kind"], c["referral_target"],
                   c["closed_at"], c["received_at"], c["last_activity_at"])
            for role, name, address in c["parties"]:
                phone = self.phone() if role == "applicant" else ("", "", "")
                pw.add(cid, role, name, pinyin_key(name), address, c["resolved_at"], *phone, "", "", "")
            for event in c["events"]:
                ew.add(cid, *event)
            if c["agreement"]:
                aw.add(cid, *c["agreement"], c["resolved_at"])
            for follow in c["follow_ups"]:
                fw.add(cid, *follow)
        for w in (cw, pw, ew, aw, fw):
            w.flush()
        by_state: dict[str, int] = defaultdict(int)
        for c in cases:
            by_state[c["state"]] += 1
        self.counts.update(cases=cw.count, case_events=ew.count, agreements=aw.count, follow_ups=fw.count)
        self.cases_by_state = dict(by_state)

    def phone(self) -> tuple[str, str, str]:
        from core import pii

        number = demo.mobile_number(self.rng)
        return pii.encrypt(number), pii.keyed_hash(number), pii.mask_phone(number)

    def plan_case(self, zone, target, deadline, follow_days, idle) -> dict:
        rng, today = self.rng, self.today
        category = rng.choices(list(CASE_TITLES), weights=(30, 20, 20, 8, 8, 8, 6))[0]
        village = rng.choice(zone["villages"])
        applicant, respondent = demo.chinese_name(rng, rng.choice("MF")), demo.chinese_name(rng, rng.choice("MF"))
        if target in OPEN_STATES or target in ("resolved", "referred"):
            days_ago = rng.randint(1, idle - 1)  # open cases move within the idle limit (else the job escalates them)
        elif target == "follow_up":
            days_ago = rng.randint(2, follow_days[-1] + 20)
        else:
            days_ago = rng.randint(follow_days[-1] + 15, YEAR_DAYS - 1)
        received_day = today - datetime.timedelta(days=days_ago)
        received = self.at(received_day, rng.uniform(8.5, 16.5))
        case = {
            "zone": zone, "village": village, "category": category,
            "title": f"{village['name']}{applicant}与{respondent}{rng.choice(CASE_TITLES[category])}"[:100],
            "source": rng.choices(("grid", "hotline", "police", "petition", "judicial", "walk_in"),
                                  weights=(35, 20, 10, 8, 7, 20))[0],
            "urgency": rng.choices(("normal", "urgent", "critical"), weights=(80, 15, 5))[0],
            "description": f"{applicant}反映与{respondent}发生{CASE_TITLES[category][0]}，双方多次协商未果，申请调解。",
            "received_at": received, "zone_escalated_at": None, "town_escalated_at": None, "resolved_at": None,
            "resolved_level": "", "on_the_spot": False, "referred_at": None, "referral_kind": "", "referral_target": "",
            "closed_at": None, "agreement": None, "follow_ups": [],
            "parties": [("applicant", applicant, f"{village['name']}"), ("respondent", respondent, f"{village['name']}")],
        }
        events = []
        state, level = "", "village"
        t = received
        level_start = received_day
        end_limit = self.midnight - datetime.timedelta(minutes=30)

        def move(action, to_state, note="", to_level=None, hours=(1, 30)):
            nonlocal state, level, t
            t = min(t + datetime.timedelta(hours=rng.uniform(*hours)), end_limit)
            events.append((action, state, to_state, level, to_level or level, note, t))
            state, level = to_state, to_level or level
            return t

        events.append(("intake", "", "received", "", "village", f"来源：{case['source']}", t))
        state = "received"
        spot = target in ("resolved", "follow_up", "closed") and rng.random() < 0.3
        if target == "received":
            pass
        elif spot:  # 现场化解: classified, mediated and settled the day it came in, in the village
            move("classify", "classified", hours=(0.2, 0.5))
            move("start", "mediating", hours=(0.1, 0.3))
            move("resolve", "resolved", "签订人民调解协议", hours=(0.3, 1.5))
        else:
            move("classify", "classified")
            if target != "classified":
                escalations = 0
                if target in ("escalated",) or (target in ("mediating", "unresolved", "resolved", "follow_up", "closed", "referred")
                                                and rng.random() < 0.3):
                    escalations = 1 if rng.random() < 0.75 or target == "escalated" and rng.random() < 0.6 else 2
                for e in range(escalations):
                    move("start", "mediating")
                    move("mark_unresolved", "unresolved", "双方分歧较大，村内调解未成", hours=(24, 72))
                    new_level = "zone" if level == "village" else "town"
                    at = move("escalate", "escalated", "上交" + ("工作区轮值调解室" if new_level == "zone" else "街道(镇)"),
                              to_level=new_level, hours=(2, 20))
                    case["zone_escalated_at" if new_level == "zone" else "town_escalated_at"] = at
                    level_start = timezone.localdate(at)
                if target == "referred":
                    kind = rng.choice(("department", "court"))
                    case["referral_kind"], case["referral_target"] = kind, rng.choice(REFERRAL_TARGETS[kind])
                    case["referred_at"] = move("refer", "referred", f"转{case['referral_target']}")
                elif target != "escalated":
                    move("start", "mediating")
                    if target == "unresolved":
                        move("mark_unresolved", "unresolved", "一方不同意调解方案", hours=(24, 72))
                    elif target != "mediating":
                        move("resolve", "resolved", "签订人民调解协议", hours=(24, 120))
        if state == "resolved":
            resolved_at = t
            case["resolved_at"], case["resolved_level"] = resolved_at, level
            case["on_the_spot"] = timezone.localdate(resolved_at) == received_day and case["zone_escalated_at"] is None
            amount = rng.choice((500, 800, 1000, 2000, 3000, 5000))
            case["agreement"] = (rng.choice(CASE_TERMS).format(amount), "协议签订之日起十五日内履行完毕",
                                 f"{demo.chinese_name(rng, 'M')}、{demo.chinese_name(rng, 'F')}", timezone.localdate(resolved_at))
        if target in ("follow_up", "closed"):
            base = case["resolved_at"] or case["referred_at"]
            base_day = timezone.localdate(base)
            move("schedule_follow_up", "follow_up", "安排跟踪回访", hours=(4, 20))
            for seq, days in enumerate(follow_days, start=1):
                due = base_day + datetime.timedelta(days=days)
                if target == "closed" or due < today:
                    done = min(due + datetime.timedelta(days=rng.randint(0, 3)), today - datetime.timedelta(days=1))
                    satisfaction = rng.choices(("satisfied", "basic", "dissatisfied"), weights=(86, 11, 3))[0]
                    method = rng.choice(("visit", "visit", "phone", "online"))
                    note = "双方关系缓和，协议已履行" if satisfaction != "dissatisfied" else "一方对履行进度有意见，继续跟进"
                    case["follow_ups"].append((seq, due, done, method, satisfaction, satisfaction != "dissatisfied", note,
                                               base))
                    t = max(t, self.at(done, rng.uniform(9, 17)))
                    events.append(("follow_up", "follow_up", "follow_up", level, level,
                                   f"第{seq}次回访：{dict(satisfied='满意', basic='基本满意', dissatisfied='不满意')[satisfaction]}", t))
                else:
                    case["follow_ups"].append((seq, due, None, "", "", None, "", base))
            if target == "closed":
                case["closed_at"] = move("close", "closed", "回访完毕，结案", hours=(2, 48))
        case.update(state=state, level=level, events=events, last_activity_at=t,
                    level_deadline=level_start + datetime.timedelta(days=deadline[level]))
        return case

    # -- run ----------------------------------------------------------------------------------------
    def run(self) -> None:
        with self.phase("一年走访（计划、走访记录、最近走访）"):
            self.write_visits()
        with self.phase("走访分析表（村×日汇总、户入户日）"):
            from visits import analytics

            analytics.rebuild()
        with self.phase("四色变更、覆盖率快照"):
            self.write_color_changes()
            self.write_coverage_snapshots()
        zones = self.load_zones()
        with self.phase("调解室、轮值人员与排班"):
            self.write_rooms_and_rota(zones)
        with self.phase("纠纷案件、协议与回访"):
            self.write_cases(zones)

    def reminders_run(self) -> dict:
        """The daily reminder job for the last days, in order (each run its own transaction, as in production)."""
        from notifications.models import Notification
        from visits.reminders import reminder_job_run

        with self.phase(f"提醒任务（近{REMINDER_DAYS}天，逐日）"):
            for back in range(REMINDER_DAYS - 1, -1, -1):
                reminder_job_run(on=self.today - datetime.timedelta(days=back))
        from visits.models import Reminder

        self.counts.update(reminders=Reminder.objects.count(), notifications=Notification.objects.count())
        return self.counts


class _TempCopy:
    """COPY into a temporary table (no model)."""

    def __init__(self, table: str):
        self.table = table
        self.lines: list[str] = []

    def add(self, row) -> None:
        from demo.management.commands.seed_demo import _copy_text

        self.lines.append("\t".join(map(_copy_text, row)))

    def flush(self) -> None:
        import io

        if not self.lines:
            return
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f'COPY "{self.table}" FROM STDIN', io.StringIO("\n".join(self.lines) + "\n"))
        self.lines = []
