"""Domain events: how a lower app's write causes an effect in a higher app without importing it.

The layers point one way (README, "Design in a page"): ``villages`` may not import ``visits``, yet a
household's colour edited in ``villages`` must re-plan its visits. So:

- the app that causes the effect **declares** the event in its ``<app>/events.py``::

      household_created = Event("villages.household_created", "a household was registered: household")

- its service **emits** it explicitly, after the write, inside the write's transaction::

      events.household_created.emit(household=household)

- the higher app **subscribes** in its ``handlers.py``, imported from its ``AppConfig.ready()``::

      @villages_events.household_created.subscribe
      def plan_new_household(*, household): ...

Rules: handlers run synchronously, in subscription order, in the emitter's transaction (an exception in a
handler rolls the whole write back; nothing is deferred or retried). Payloads are keyword-only and plain
(model instances or ids). Events are emitted by services, never by model signals, and no model signal
performs a domain write: a write that bypasses the services (a raw queryset update) emits nothing, and
the repairs (e.g. visits' weekly full run) catch up with it. An event name is declared once; emitting or
subscribing to an undeclared name is an error, so a typo cannot silently drop an effect.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]

_REGISTRY: dict[str, Event] = {}


class Event:
    """A named domain event with its subscribers (declared once, at import of the emitting app's events.py)."""

    def __init__(self, name: str, doc: str = ""):
        if name in _REGISTRY:
            raise ValueError(f"domain event {name!r} is declared twice")
        self.name = name
        self.__doc__ = doc
        self._handlers: list[Handler] = []
        _REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"Event({self.name!r})"

    def subscribe(self, handler: Handler) -> Handler:
        """Decorator: call ``handler(**payload)`` on every emit (once, however often it is subscribed)."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def emit(self, **payload) -> None:
        """Run every handler now, in order, in the caller's transaction."""
        for handler in list(self._handlers):
            handler(**payload)

    @property
    def handlers(self) -> tuple[Handler, ...]:
        return tuple(self._handlers)


def event(name: str) -> Event:
    """The declared event of that name (KeyError if none is)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no domain event {name!r} is declared") from None


def subscribe(name: str) -> Callable[[Handler], Handler]:
    """``@subscribe("villages.household_created")``: subscribe by name (the event must be declared already)."""
    return event(name).subscribe


def emit(name: str, **payload) -> None:
    """Emit the declared event ``name`` with a keyword payload."""
    event(name).emit(**payload)
