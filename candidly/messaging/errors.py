"""Delivery outcomes the worker acts on."""


class DeliveryError(Exception):
    """Base class: a message could not be handed to its provider."""


class TemporaryDeliveryError(DeliveryError):
    """Worth retrying later: SMTP 4xx, connection refused, timeout. The message was NOT handed off."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help: SMTP 5xx, no address, a template error. The message was NOT handed off."""
