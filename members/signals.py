"""Signals other apps listen to (members sits below them and does not import them)."""
from django.dispatch import Signal

# Sent after a bulk write (a queryset update, which sends no model signals) changes which member households
# are linked to, e.g. a member leaving: kwargs ``household_ids`` (list[int]). Single links are saved and
# deleted as models, so listeners also use post_save/post_delete of HouseholdLink. The visits app re-addresses the open reminders of those
# households to their new first contact.
household_links_changed = Signal()
