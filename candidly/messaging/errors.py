"""Delivery outcomes the worker acts on."""


class DeliveryError(Exception):
    """Base class: a message could not be handed to its provider."""


class TemporaryDeliveryError(DeliveryError):
    """Worth retrying later: SMTP 4xx, connection refused, timeout. The message was NOT handed off."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help: SMTP 5xx, no address, a template error. The message was NOT handed off."""


class AmbiguousDeliveryError(Exception):
    """The provider may have accepted the message: the connection broke after the data was sent.

    Deliberately NOT a ``DeliveryError``: a handler catching "not handed off" must never retry this one.
    The worker marks the touchpoint *ambiguous* for a recruiter to check; it is never re-sent automatically.
    """


class StateChanged(Exception):
    """Raised by the worker's hand-off when the candidate or the interview changed (unsubscribed, moved,
    cancelled) since the message was decided and rendered: nothing was marked and nothing went out.
    ``deliver`` catches it, reads them again and decides (and renders) again; after three changes in a row
    it gives up for now with a ``TemporaryDeliveryError``. Not a ``DeliveryError``."""


def failed_before_connecting(exc: BaseException) -> bool:
    """True when an HTTP provider's error shows the connection was never made (nothing was sent).

    Looks through the exception chain for a connect timeout or urllib3's "could not connect" error;
    anything else after a request went out is ambiguous.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if name in {"ConnectTimeout", "NewConnectionError", "NameResolutionError", "ConnectionRefusedError"}:
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and failed_before_connecting(reason):
            return True
        first = current.args[0] if current.args else None
        if isinstance(first, BaseException) and failed_before_connecting(first):
            return True
        current = current.__cause__ or current.__context__
    return False
