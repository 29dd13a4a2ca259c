"""core/events.py: named domain events, handlers run in order, in the emitter's transaction; no model signal writes."""
import pytest
from django.db.models.signals import post_delete, post_save, pre_save

from core import events


def test_declared_once_emitted_by_name_handlers_in_order():
    event = events.Event("tests.thing_happened", "a thing happened: thing_id")
    seen = []

    @events.subscribe("tests.thing_happened")
    def first(*, thing_id):
        seen.append(("first", thing_id))

    @event.subscribe
    def second(*, thing_id):
        seen.append(("second", thing_id))

    event.subscribe(first)  # subscribing twice still runs it once
    events.emit("tests.thing_happened", thing_id=7)
    assert seen == [("first", 7), ("second", 7)]
    with pytest.raises(ValueError):
        events.Event("tests.thing_happened")
    with pytest.raises(KeyError):
        events.emit("tests.no_such_event")


def test_a_failing_handler_fails_the_emitter():
    event = events.Event("tests.failing", "")

    @event.subscribe
    def boom(**payload):
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        event.emit()


def test_visits_subscribes_to_the_events_of_the_apps_below():
    from members import events as member_events
    from villages import events as village_events

    for event in (village_events.household_registering, village_events.household_created,
                  village_events.household_color_edited, village_events.household_grid_changed,
                  village_events.households_moved, village_events.grid_worker_changed,
                  member_events.household_links_changed):
        assert any(h.__module__ == "visits.handlers" for h in event.handlers), event


def test_no_project_receiver_on_the_models_signals():
    from members.models import HouseholdLink
    from villages.models import Household, MicroGrid

    project = ("accounts", "zones", "villages", "members", "visits", "mediation", "organization", "notifications",
               "core", "demo", "config")
    for signal in (pre_save, post_save, post_delete):
        for model in (Household, HouseholdLink, MicroGrid):
            sync, asynchronous = signal._live_receivers(model)
            modules = {getattr(r, "__module__", "") or "" for r in [*sync, *asynchronous]}
            assert not any(m.split(".")[0] in project for m in modules), (signal, model, modules)
