"""Telling the applicant how it ended: SMS or e-mail through SNS in AWS, and always an outbox
item (``outbox`` partition of the applications table) that the staff API shows; on the local
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
from iamsmart.registration import applications
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
    application_id = str(item["pk"])
    values = {"ref": applications.reference_of(application_id),
              "link": status_link(application_id), "help": _help()}
    return {lang: text.format(**values) for lang, text in texts.items()}


def send(item: dict[str, Any]) -> bool:
    """Notify once (the outbox item is written conditionally: a replay sends nothing)."""
    from iamsmart.identity import store

    contact = item.get("contact") or {}
    if not contact:
        return False
    application_id = str(item["pk"])
    texts = message_for(item)
    language = item.get("language", "tc")
    decided = int(item.get("decided_at") or applications.now())
    channel, destination = next(iter(contact.items()))
    entry = {"pk": applications.OUTBOX_PK, "sk": applications.review_sk(decided,
                                                                       application_id),
             "application_id": application_id, "channel": channel,
             "destination": destination, "language": language,
             "text": f"{texts[language]}\n{texts['en' if language == 'tc' else 'tc']}",
             "created_at": applications.now(), "expires_at": item["expires_at"]}
    if not store.put(settings().applications_table, entry,
                     condition="attribute_not_exists(pk)"):
        return True  # sent before (a replayed step)
    topic = settings().registration_notify_topic_arn
    if topic:
        from iamsmart import aws

        aws.call("sns", "publish", TopicArn=topic, Message=json.dumps(
            {"channel": channel, "destination": destination, "text": entry["text"]},
            ensure_ascii=False), MessageAttributes={
                "channel": {"DataType": "String", "StringValue": channel}})
    return True


def outbox(limit: int = 100) -> list[dict[str, Any]]:
    """The newest notifications first (the staff API)."""
    items = applications.list_partition(applications.OUTBOX_PK, limit=1000)
    items.sort(key=lambda i: str(i["sk"]), reverse=True)
    return [{"application_id": i["application_id"], "channel": i["channel"],
             "destination": i["destination"], "text": i["text"],
             "created_at": i["created_at"]} for i in items[:limit]]
