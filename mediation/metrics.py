"""The figures of the rotating mediation room (轮值调解室), for the registry (core/metrics.py).

They are the mediation statistics page's figures (``selectors.case_statistics``, one definition) over the
cases received in the period.
"""
from __future__ import annotations

from core import metrics
from core.metrics import NodeSet, Period

from .models import CaseCategory, CaseSource, DisputeCase
from .selectors import case_statistics, period_bounds

GROUP = "矛盾纠纷调处"

_FIGURES = [
    ("received", "受理纠纷", "统计期内受理的矛盾纠纷件数。", "件"),
    ("on_the_spot", "现场化解", "统计期内受理、在受理时当场化解的件数。", "件"),
    ("resolved", "化解纠纷", "统计期内受理、已化解的件数。", "件"),
    ("resolved_in_village", "化解不出村", "统计期内受理、在村级化解的件数。", "件"),
    ("resolved_in_zone", "化解不出工作区", "统计期内受理、在村级或工作区化解的件数。", "件"),
    ("escalated_to_zone", "上交工作区", "统计期内受理、由村上交工作区的件数。", "件"),
    ("escalated_to_town", "上交街道(镇)", "统计期内受理、由工作区上交街道(镇)的件数。", "件"),
    ("referred", "转办纠纷", "统计期内受理、已转办有关部门的件数。", "件"),
    ("concluded", "办结纠纷", "统计期内受理、已有结果（化解或转办）的件数。", "件"),
    ("follow_ups_done", "已回访次数", "统计期内受理的纠纷已完成的跟踪回访次数。", "次"),
    ("satisfied", "回访满意次数", "统计期内受理的纠纷已完成的回访中，当事人表示满意或基本满意的次数。", "次"),
    ("share_in_village", "不出村化解率", "在村级化解的件数占办结（化解与转办）件数的比例。", "%"),
    ("share_in_zone", "不出工作区化解率", "在村级或工作区化解的件数占办结件数的比例。", "%"),
    ("mean_days", "平均化解天数", "已化解纠纷从受理到化解的平均天数。", "天"),
    ("p90_days", "化解天数（90%分位）", "90%的已化解纠纷在此天数内化解。", "天"),
    ("satisfaction", "回访满意率", "已完成的回访中，当事人表示满意或基本满意的比例。", "%"),
]
for _name, _label, _definition, _unit in _FIGURES:
    metrics.metric(f"mediation.{_name}", _label, _definition, unit=_unit, source="mediation", group=GROUP)
for _source in CaseSource:
    metrics.metric(f"mediation.source.{_source.value}", f"受理纠纷（{_source.label}）",
                   f"统计期内来源为“{_source.label}”的纠纷件数。", unit="件", source="mediation", group=GROUP)
for _category in CaseCategory:
    metrics.metric(f"mediation.category.{_category.value}", f"受理纠纷（{_category.label}）",
                   f"统计期内类别为“{_category.label}”的纠纷件数。", unit="件", source="mediation", group=GROUP)

_RATES = ("share_in_village", "share_in_zone", "satisfaction")


def _figures(stats: dict) -> dict:
    row = {f"mediation.{name}": stats[name] for name, *_ in _FIGURES if name not in _RATES}
    for name in _RATES:  # the statistics page keeps fractions; the registry's unit is per cent
        row[f"mediation.{name}"] = round(100 * stats[name], 1) if stats[name] is not None else None
    row.update({f"mediation.source.{k}": v for k, v in stats["by_source"].items()})
    row.update({f"mediation.category.{k}": v for k, v in stats["by_category"].items()})
    return row


@metrics.source("mediation")
def mediation_figures(nodes: NodeSet, period: Period) -> dict:
    cases = DisputeCase.objects.filter(period_bounds(period.start, period.end), **nodes.filter())
    if nodes.level == "district":
        return {None: _figures(case_statistics(cases, group_by="town", total_only=True)["total"])}
    stats = case_statistics(cases, group_by=nodes.level, rows_only=True)
    return {row["id"]: _figures(row) for row in stats["rows"]}
