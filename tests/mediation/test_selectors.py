"""The figures the zones report, checked against a hand-counted set of cases."""
import datetime

import pytest
from django.db.models import Q

from mediation import services
from mediation.models import CaseCategory, CaseSource, DisputeCase, FollowUp
from mediation.selectors import case_counts_by_state, case_statistics, cases_overdue, period_bounds

from .conftest import agreement_args, new_case

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(day, hour=0):
    return datetime.datetime(2025, 3, day, hour, tzinfo=TZ)


@pytest.fixture
def cases(world):
    """Eight cases (seven in March 2025) with known outcomes and times; see the table in each test."""
    z = world.zone_a_user
    t = world.town_a_user

    def resolved(case, by):
        case = services.case_start_mediation(case=case, by=by) if case.state != "mediating" else case
        return services.case_resolve(case=case, by=by, **agreement_args(case))

    c1 = new_case(world, source=CaseSource.GRID, category=CaseCategory.NEIGHBOUR)
    c1 = resolved(services.case_classify(case=c1, by=z), z)
    c2 = new_case(world, source=CaseSource.HOTLINE, category=CaseCategory.LAND)
    c2 = services.case_escalate(case=services.case_classify(case=c2, by=z), by=z)
    c2 = resolved(c2, z)
    c3 = new_case(world, source=CaseSource.POLICE, category=CaseCategory.FAMILY)
    c3 = services.case_refer(case=services.case_classify(case=c3, by=z), by=z, kind="court", target="章丘区人民法院")
    c4 = services.case_classify(case=new_case(world, source=CaseSource.WALK_IN, category=CaseCategory.NEIGHBOUR), by=z)
    c5 = new_case(world, village=world.village_a2, by=world.cadre_a2, source=CaseSource.PETITION, category=CaseCategory.PROPERTY)
    c5 = services.case_escalate(case=services.case_classify(case=c5, by=z), by=z)
    c5 = services.case_start_mediation(case=c5, by=z)
    c5 = services.case_mark_unresolved(case=c5, by=z, reason="物业公司不到场")
    c5 = services.case_escalate(case=c5, by=z)
    c5 = resolved(c5, t)
    c6 = new_case(world, village=world.village_a2, by=world.cadre_a2, source=CaseSource.GRID, category=CaseCategory.CONTRACT)
    c6 = resolved(services.case_classify(case=c6, by=z), z)
    c7 = new_case(world, village=world.village_b1, by=world.cadre_b1, source=CaseSource.JUDICIAL, category=CaseCategory.LABOUR)
    c7 = resolved(services.case_classify(case=c7, by=world.zone_b_user), world.zone_b_user)
    c8 = new_case(world, source=CaseSource.GRID, category=CaseCategory.OTHER)  # February: outside the period

    # the times (days to resolution): c1 0.5 (same day), c2 4, c5 10, c6 2.5, c7 1
    times = {
        c1: (at(3, 10), at(3, 22), True), c2: (at(4, 9), at(8, 9), False), c3: (at(5, 9), None, False),
        c4: (at(6, 9), None, False), c5: (at(2, 0), at(12, 0), False), c6: (at(9, 8), at(11, 20), False),
        c7: (at(20, 8), at(21, 8), False), c8: (datetime.datetime(2025, 2, 20, 9, tzinfo=TZ), None, False),
    }
    for case, (received, resolved_at, spot) in times.items():
        DisputeCase.objects.filter(pk=case.pk).update(received_at=received, resolved_at=resolved_at, on_the_spot=spot)

    services.follow_ups_schedule()
    fu = {c.pk: list(FollowUp.objects.filter(case=c).order_by("sequence")) for c in (c1, c2, c6)}
    record = services.follow_up_record
    record(follow_up=fu[c1.pk][0], by=z, method="visit", satisfaction="satisfied")
    record(follow_up=fu[c1.pk][1], by=z, method="phone", satisfaction="basic")
    record(follow_up=fu[c2.pk][0], by=z, method="phone", satisfaction="dissatisfied")
    record(follow_up=fu[c6.pk][0], by=z, method="visit", satisfaction="satisfied")
    return {"c%d" % i: c for i, c in enumerate([c1, c2, c3, c4, c5, c6, c7, c8], start=1)}


def march():
    return DisputeCase.objects.filter(period_bounds(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)))


def test_statistics_per_zone_match_the_hand_count(world, cases):
    stats = case_statistics(march(), group_by="zone")
    rows = {r["name"]: r for r in stats["rows"]}
    assert set(rows) == {"闫满党建工作区", "胡山党建工作区"}
    a = rows["闫满党建工作区"]
    assert a["received"] == 6
    assert a["by_source"] == {"grid": 2, "hotline": 1, "police": 1, "petition": 1, "judicial": 0, "walk_in": 1}
    assert a["by_category"] == {"neighbour": 2, "family": 1, "land": 1, "property": 1, "labour": 0, "contract": 1, "other": 0}
    assert (a["on_the_spot"], a["resolved"], a["referred"], a["concluded"]) == (1, 4, 1, 5)
    assert (a["resolved_in_village"], a["resolved_in_zone"]) == (2, 3)  # c1, c6 | + c2
    assert (a["share_in_village"], a["share_in_zone"]) == (0.4, 0.6)
    assert a["mean_days"] == pytest.approx((0.5 + 4 + 10 + 2.5) / 4)
    # percentile_cont(0.9) over [0.5, 2.5, 4, 10]: 4 + 0.7 * (10 - 4)
    assert a["p90_days"] == pytest.approx(8.2)
    assert (a["escalated_to_zone"], a["escalated_to_town"]) == (2, 1)  # c2, c5 | c5
    assert (a["follow_ups_done"], a["satisfied"], a["satisfaction"]) == (4, 3, 0.75)
    b = rows["胡山党建工作区"]
    assert (b["received"], b["resolved"], b["share_in_village"], b["mean_days"], b["p90_days"]) == (1, 1, 1.0, 1.0, 1.0)
    assert (b["follow_ups_done"], b["satisfaction"]) == (0, None)
    total = stats["total"]
    assert (total["received"], total["resolved"], total["concluded"], total["follow_ups_done"]) == (7, 5, 6, 4)
    assert total["mean_days"] == pytest.approx(18 / 5)


def test_statistics_per_village_and_per_town(world, cases):
    by_village = {r["name"]: r for r in case_statistics(march(), group_by="village")["rows"]}
    assert {name: r["received"] for name, r in by_village.items()} == {"闫满村": 4, "石匣村": 2, "胡山村": 1}
    assert by_village["闫满村"]["mean_days"] == pytest.approx(2.25)
    assert by_village["石匣村"]["share_in_village"] == 0.5  # c6 in the village, c5 at the town
    assert by_village["石匣村"]["satisfaction"] == 1.0
    by_town = case_statistics(march(), group_by="town")["rows"]
    assert [(r["name"], r["received"], r["escalated_to_town"]) for r in by_town] == [("官庄街道", 7, 1)]


def test_the_period_is_the_reception_day_in_local_time(world, cases):
    assert march().count() == 7
    first_of_march = DisputeCase.objects.filter(period_bounds(datetime.date(2025, 3, 2), datetime.date(2025, 3, 2)))
    assert list(first_of_march) == [cases["c5"]]  # received at 00:00 local time on the 2nd
    everything = case_statistics(DisputeCase.objects.all(), group_by="zone")["total"]
    assert everything["received"] == 8 and everything["by_category"]["other"] == 1


def test_statistics_of_nothing(world):
    stats = case_statistics(DisputeCase.objects.none(), group_by="zone")
    assert stats["rows"] == []
    assert stats["total"]["received"] == 0 and stats["total"]["share_in_village"] is None and stats["total"]["mean_days"] is None


def test_counts_by_state_and_overdue(world, cases):
    counts = case_counts_by_state(DisputeCase.objects.all())
    assert counts["follow_up"] == 6 and counts["classified"] == 1 and counts["received"] == 1
    assert sum(counts.values()) == 8
    overdue = cases_overdue(DisputeCase.objects.all(), today=datetime.date.today() + datetime.timedelta(days=11))
    assert set(overdue) == {cases["c4"], cases["c8"]}
    assert not cases_overdue(DisputeCase.objects.filter(~Q(pk=cases["c4"].pk) & ~Q(pk=cases["c8"].pk)),
                             today=datetime.date.today() + datetime.timedelta(days=365)).exists()
