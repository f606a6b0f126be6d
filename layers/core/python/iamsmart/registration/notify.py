"""Telling the applicant how it ended: SMS or e-mail through SNS in AWS, and always an outbox
kept in the outbox (``dal.add_to_outbox``) that the staff API shows; on the local
platform the outbox is the only delivery.

Messages say completed or "could not complete online" (the same text for every rejection the
applicant cannot fix, a duplicate HKID included), with the application's short reference, the
link to its status page (on the public origin, ``iamsmart.origin``) and where to ask for help;
never the HKID number, a reason code or the enrolment code (the status page shows that once).
"""

from __future__ import annotations

import json
from typing import Any

from iamsmart import origin
from iamsmart.registration import applications, dal
from iamsmart.settings import settings

TEXTS = {
    "approved": {
        "en": "iAM Smart: your registration {ref} is complete. Get your enrolment code within "
              "24 hours on your application's page: {link}",
        "tc": "智方便：你的登記（參考編號 {ref}）已完成。請於 24 小時內在申請頁面取得登記碼："
              "{link}",
    },
    "rejected": {
        "en": "iAM Smart: we could not complete your registration {ref} online. Please visit a "
              "registration counter or contact us ({help}).",
        "tc": "智方便：我們未能在網上完成你的登記（參考編號 {ref}）。請親臨登記櫃位或與我們聯絡"
              "（{help}）。",
    },
    "selfie_unusable": {
        "en": "iAM Smart: we could not use your selfie ({ref}). Please apply again with a clear "
              "photo of your face.",
        "tc": "智方便：我們未能使用你的自拍相片（參考編號 {ref}）。請以清晰的面孔相片重新申請。",
    },
}


def status_link(application_id: str) -> str:
    """The applicant's status page (the id in it is what opens the application)."""
    return f"{origin.public_url()}/register.html?application={application_id}"


def _help() -> str:
    cfg = settings()
    parts = [p for p in (cfg.registration_help_phone, cfg.registration_help_email) if p]
    return " / ".join(parts) + (" – sandbox" if cfg.registration_help_sandbox else "")


def message_for(item: dict[str, Any]) -> dict[str, str]:
    outcome = str(item.get("status"))
    if outcome == "rejected" and item.get("reason") == "selfie_unusable":
        texts = TEXTS["selfie_unusable"]
    else:
        texts = TEXTS["approved" if outcome == "approved" else "rejected"]
    application_id = str(item["application_id"])
    values = {"ref": applications.reference_of(application_id),
              "link": status_link(application_id), "help": _help()}
    return {lang: text.format(**values) for lang, text in texts.items()}


def send(item: dict[str, Any]) -> bool:
    """Notify once (the outbox keeps one message per application: a replay sends nothing)."""
    contact = item.get("contact") or {}
    if not contact:
        return False
    texts = message_for(item)
    language = item.get("language", "tc")
    decided = int(item.get("decided_at") or applications.now())
    channel, destination = next(iter(contact.items()))
    text = f"{texts[language]}\n{texts['en' if language == 'tc' else 'tc']}"
    if not dal.add_to_outbox(item, {"channel": channel, "destination": destination,
                                    "language": language, "text": text}, decided_at=decided):
        return True  # sent before (a replayed step)
    topic = settings().registration_notify_topic_arn
    if topic:
        from iamsmart import aws

        aws.call("sns", "publish", TopicArn=topic, Message=json.dumps(
            {"channel": channel, "destination": destination, "text": text},
            ensure_ascii=False), MessageAttributes={
                "channel": {"DataType": "String", "StringValue": channel}})
    return True


def outbox(limit: int = 100) -> list[dict[str, Any]]:
    """The newest notifications first (the staff API)."""
    return dal.outbox(limit)
