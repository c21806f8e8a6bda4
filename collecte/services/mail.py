"""Outgoing mail through an outbox: queued in the deciding transaction, sent by a task."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..domain.models import OutboxMail, utcnow
from ..extensions import db


def queue_mail(to_address: str, subject: str, body: str) -> OutboxMail:
    """Add a mail to the caller's transaction (not committed here): it goes only if that commits.
    The sender task (`collecte.send_outbox`, every minute) delivers it."""
    mail = OutboxMail(to_address=to_address, subject=subject[:300], body=body)
    db.session.add(mail)
    return mail


def pending(limit: int = 100) -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_(None),
                                                            OutboxMail.attempts < 5)
                                   .order_by(OutboxMail.id).limit(limit)))


def _message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<outbox-{mail.id}@collecte>"
    message.set_content(mail.body)
    return message


def deliver(mail: OutboxMail) -> None:
    """SMTP when COLLECTE_MAIL_SERVER is set; otherwise a .eml file in DATA_DIR/mail (embedded
    default), which the admin outbox page lists."""
    config = current_app.config
    message = _message(mail)
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    else:
        folder = Path(config["DATA_DIR"]) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{mail.id:08d}.eml"
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(target)


def send_pending() -> int:
    """Deliver what is pending, one commit per mail so a failure stops nothing else.
    Idempotent: the Message-ID is stable and a delivered mail is marked sent."""
    sent = 0
    for mail in pending():
        mail.attempts += 1
        db.session.commit()
        try:
            deliver(mail)
        except (OSError, smtplib.SMTPException):
            current_app.logger.exception("mail %s not delivered", mail.id)
            continue
        mail.sent_at = utcnow()
        db.session.commit()
        sent += 1
    return sent
