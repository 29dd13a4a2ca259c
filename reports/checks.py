"""Start-up check: the figures cache outlives the warming interval (else polls between warmings compute)."""
from django.conf import settings
from django.core import checks


@checks.register()
def check_figures_cache(app_configs=None, **kwargs):
    return figures_cache_problems(settings.METRICS_CACHE_SECONDS, settings.METRICS_WARM_MINUTES)


def figures_cache_problems(cache_seconds: int, warm_minutes: int) -> list[checks.Warning]:
    if cache_seconds <= 0:
        return []  # the cache is off: every request computes
    if warm_minutes <= 0 or cache_seconds <= warm_minutes * 60:
        return [checks.Warning(
            f"METRICS_CACHE_SECONDS（{cache_seconds}）应大于 METRICS_WARM_MINUTES（{warm_minutes}）× 60："
            "否则两次预先计算之间缓存已过期，指标接口的请求会现算。",
            hint="例如 METRICS_WARM_MINUTES=4、METRICS_CACHE_SECONDS=300。", id="reports.W001")]
    return []
