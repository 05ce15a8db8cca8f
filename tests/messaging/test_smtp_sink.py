from django.core.mail import EmailMultiAlternatives


def test_smtp_sink_receives_a_real_message(smtp_sink):
    message = EmailMultiAlternatives("Hello", "text body", "a@agency.test", ["b@mail.test"])
    message.attach_alternative("<p>html body</p>", "text/html")

    message.send()

    [received] = smtp_sink.received
    assert (received.rcpt_tos, received.subject) == (["b@mail.test"], "Hello")
    assert received.body("plain").strip() == "text body"
    assert received.body("html").strip() == "<p>html body</p>"
