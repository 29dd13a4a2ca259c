"""Keep the visit plan whole when households are written by other apps.

- a new household gets its first due date (its color's interval after registration), and its reminder
  when that date is already within the reminder window;
- a color changed by a plain household edit (not through ``visits.services.color_change``)
  still leaves a history row and re-plans the due date, so nothing changes silently.
"""
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from villages.models import Household


@receiver(pre_save, sender=Household, dispatch_uid="visits.household_plan")
def household_plan(sender, instance: Household, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    from . import services

    instance._visits_before = None
    if instance._state.adding:
        if instance.next_visit_due is None and instance.town_id and instance.zone_id:
            instance.next_visit_due = services.household_initial_due(instance)
        return
    if update_fields is not None and "color" not in update_fields:
        return
    instance._visits_before = Household.objects.filter(pk=instance.pk).values_list("color", "next_visit_due").first()


@receiver(post_save, sender=Household, dispatch_uid="visits.household_color_history")
def household_color_history(sender, instance: Household, created=False, raw=False, **kwargs):
    from . import services

    if created and not raw:
        services.household_remind(household=instance)  # e.g. a new red household is due within the week
        return
    before = getattr(instance, "_visits_before", None)
    instance._visits_before = None
    if raw or before is None or before[0] == instance.color:
        return

    services.color_change_record_edit(household=instance, from_color=before[0], due=before[1])
