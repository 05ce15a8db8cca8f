from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "candidly.messaging"
    label = "messaging"

    def ready(self) -> None:
        from anymail.signals import inbound

        from candidly.messaging import checks  # noqa: F401 - registers the system checks
        from candidly.messaging.receivers import on_anymail_inbound

        # The receiver is only an interface: it hands the raw message to inbound.ingest_email.
        inbound.connect(on_anymail_inbound, dispatch_uid="candidly.messaging.inbound")
