"""E-mail over a real SMTP server on loopback: Russian subject, plain and HTML parts, login, TLS."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from flows.delivery.errors import DeliveryFailed
from flows.delivery.mail import SmtpMailer
from tests.support.delivery import MAIL_FROM, SMTP_LOGIN, RecordingSmtp
from tests.support.net import free_port

TO = "maria.ivanova@example.ru"
SUBJECT = "Активация личного кабинета — Россети Московский регион"
LINK = "https://lk.rossetimr.ru/activate?t=AbC123"
TEXT = f"Здравствуйте, Мария Петровна!\n\nЧтобы активировать личный кабинет, перейдите по ссылке:\n{LINK}\n"
HTML = f'<p>Здравствуйте, Мария Петровна!</p><p><a href="{LINK}">Активировать личный кабинет</a></p>'


def test_email_arrives_with_russian_subject_and_both_parts(queue, deliver, smtp_server):
    message_id = queue.email(TO, SUBJECT, TEXT, HTML)

    assert deliver() == 1

    [envelope] = smtp_server.envelopes
    assert envelope["mail_from"] == MAIL_FROM and envelope["rcpt_tos"] == [TO]
    headers = envelope["raw"].split(b"\r\n\r\n", 1)[0]
    assert headers.isascii() and b"Subject: =?utf-8?" in headers  # RFC 2047, readable by any client
    [mail] = smtp_server.messages
    assert mail["Subject"] == SUBJECT
    assert mail["From"] == MAIL_FROM and mail["To"] == TO
    assert mail["Message-ID"] and mail["Date"]
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content() == TEXT
    assert mail.get_body(("html",)).get_content().strip() == HTML
    assert queue.row(message_id)["sent_at"] is not None


def test_plain_only_email_is_not_multipart(queue, deliver, smtp_server):
    queue.email(TO, SUBJECT, TEXT)

    deliver()

    [mail] = smtp_server.messages
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content() == TEXT


def _settings(delivery_app, **changes):
    return delivery_app.extensions["idp"].settings.replace(**changes)


def test_login_with_configured_credentials(delivery_app, smtp_server):
    user, password = SMTP_LOGIN
    SmtpMailer(_settings(delivery_app, smtp_username=user, smtp_password=password)).send(
        TO, SUBJECT, TEXT, None
    )

    assert smtp_server.envelopes[0]["login"] == user


def test_rejected_login_is_a_retryable_failure_without_secrets(delivery_app, smtp_server):
    mailer = SmtpMailer(_settings(delivery_app, smtp_username="lk-idp", smtp_password="wrong-secret"))

    with pytest.raises(DeliveryFailed) as failure:
        mailer.send(TO, SUBJECT, TEXT, None)

    assert failure.value.retryable and failure.value.reason == "smtp answered 535"
    assert smtp_server.messages == []


def test_unreachable_server_is_a_retryable_failure(delivery_app):
    mailer = SmtpMailer(_settings(delivery_app, smtp_port=free_port(), smtp_timeout=1))

    with pytest.raises(DeliveryFailed) as failure:
        mailer.send(TO, SUBJECT, TEXT, None)

    assert failure.value.retryable
    assert failure.value.reason == "smtp connection failed (ConnectionRefusedError)"


def test_refused_mailbox_goes_to_dead_letter_at_once(queue, deliver, smtp_server):
    smtp_server.refused.add(TO)
    message_id = queue.email(TO, SUBJECT, TEXT, HTML)

    assert deliver() == 0

    row = queue.row(message_id)
    assert row["dead_at"] is not None and row["attempts"] == 1
    assert row["last_error"] == "smtp refused recipient 550"


@pytest.fixture
def tls_smtp(tmp_path, monkeypatch):
    """An SMTP server that insists on STARTTLS, with a certificate for 127.0.0.1 we trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)  # certificate validity is checked by OpenSSL's clock
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    handler = RecordingSmtp()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True
    )
    controller.start()
    handler.port = controller.port
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    yield handler
    controller.stop()


def test_starttls_when_configured(delivery_app, tls_smtp):
    settings = _settings(delivery_app, smtp_port=tls_smtp.port, smtp_starttls=True)

    SmtpMailer(settings).send(TO, SUBJECT, TEXT, HTML)

    assert tls_smtp.messages[0]["Subject"] == SUBJECT


def test_server_that_requires_starttls_refuses_plain_session(delivery_app, tls_smtp):
    settings = _settings(delivery_app, smtp_port=tls_smtp.port, smtp_starttls=False)

    with pytest.raises(DeliveryFailed) as failure:
        SmtpMailer(settings).send(TO, SUBJECT, TEXT, HTML)

    assert failure.value.retryable and failure.value.reason == "smtp answered 530"
    assert tls_smtp.messages == []
