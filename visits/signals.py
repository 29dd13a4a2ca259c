"""Keep the visit plan whole when households are written by other apps.

- a new household gets its first due date (its color's interval after registration), and its reminder
  when that date is already within the reminder window;
- a color changed by a plain household edit (not through ``visits.services.color_change``)
  still leaves a history row and re-plans the due date, so nothing changes silently;
- when a household's first contact changes (its member link, its grid, its grid's worker), its open
  reminders are re-addressed, so the daily digest reaches whoever is responsible now.
"""
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from members.models import HouseholdLink
from members.signals import household_links_changed
from villages.models import Household, MicroGrid


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
    instance._visits_before = (
        Household.objects.filter(pk=instance.pk).values_list("color", "next_visit_due", "grid_id").first()
    )


@receiver(post_save, sender=Household, dispatch_uid="visits.household_color_history")
def household_color_history(sender, instance: Household, created=False, raw=False, **kwargs):
    from . import services

    if created and not raw:
        services.household_remind(household=instance)  # e.g. a new red household is due within the week
        return
    before = getattr(instance, "_visits_before", None)
    instance._visits_before = None
    if raw or before is None:
        return
    if before[2] != instance.grid_id:  # another grid: an unlinked household's reminders go to its new grid worker
        services.reminders_readdress(household_ids=[instance.pk])
    if before[0] == instance.color:
        return

    services.color_change_record_edit(household=instance, from_color=before[0], due=before[1])


@receiver(household_links_changed, dispatch_uid="visits.links_changed")
def links_changed(sender, household_ids, **kwargs):
    """Households' members changed in bulk: their open reminders go to the new first contact."""
    from . import services

    services.reminders_readdress(household_ids=household_ids)


@receiver(post_save, sender=HouseholdLink, dispatch_uid="visits.link_saved")
@receiver(post_delete, sender=HouseholdLink, dispatch_uid="visits.link_deleted")
def link_changed(sender, instance: HouseholdLink, raw=False, **kwargs):
    from . import services

    if not raw:
        services.reminders_readdress(household_ids=[instance.household_id])


@receiver(post_save, sender=MicroGrid, dispatch_uid="visits.grid_worker")
def grid_saved(sender, instance: MicroGrid, created=False, raw=False, **kwargs):
    """A grid's worker may have changed: the open reminders of its unlinked households follow."""
    from . import services

    if not created and not raw:
        services.reminders_readdress(grid_id=instance.pk)
