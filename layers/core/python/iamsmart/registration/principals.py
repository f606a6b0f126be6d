"""Who is calling the registration API with an API key: a channel device or a staff member.

API Gateway validates the key (``api_key_required``) and passes its id in the request context
(``identity.apiKeyId``); the key's tags say what it is for:

- ``channel`` = ``kiosk`` | ``counter`` | ``mobile`` and ``device`` = the kiosk, counter
  terminal or mobile-team tablet (``office`` optionally): the assisted intake route;
- ``role`` = ``registration-staff`` and ``staff`` = the reviewer's staff id: the staff API.

Staff API keys are the seam where staff single sign-on goes (an identity provider in front
of the console, the key replaced by the signed-in officer's token); until then one key per
reviewer keeps every decision attributable. Answers are cached per warm function like
``iamsmart.catalogue.departments``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal

from iamsmart import errors

CACHE_SECONDS = 300.0
ASSISTED_CHANNELS = ("kiosk", "counter", "mobile")
STAFF_ROLE = "registration-staff"

_cache: dict[str, tuple[float, dict[str, str]]] = {}
_lock = threading.Lock()


class NotAChannelKey(errors.Forbidden):
    code = "not_a_channel_key"
    en = "This API key is not enrolled as a registration kiosk, counter or mobile team device."
    tc = "此 API 密鑰並未登記為登記自助機、櫃位或流動登記隊的裝置。"


class NotStaff(errors.Forbidden):
    code = "not_registration_staff"
    en = "This API key does not belong to registration staff."
    tc = "此 API 密鑰不屬於登記職員。"


@dataclass(frozen=True)
class ChannelDevice:
    channel: Literal["kiosk", "counter", "mobile"]
    device: str
    key_id: str
    office: str | None = None


def _tags(api_key_id: str) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    from iamsmart.aws import client

    hit = _cache.get(api_key_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    try:
        answer = client("apigateway").get_api_key(apiKey=api_key_id, includeValue=False)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NotFoundException",
                                                         "BadRequestException"):
            return {}
        raise errors.Unavailable(operation="get_api_key") from exc
    except BotoCoreError as exc:
        raise errors.Unavailable(operation="get_api_key") from exc
    tags = dict(answer.get("tags") or {}) if answer.get("enabled", False) else {}
    with _lock:
        if len(_cache) > 1024:
            _cache.clear()
        _cache[api_key_id] = (time.monotonic() + CACHE_SECONDS, tags)
    return tags


def channel_device(api_key_id: str | None) -> ChannelDevice:
    if not api_key_id:
        raise NotAChannelKey()
    tags = _tags(api_key_id)
    channel, device = tags.get("channel", ""), tags.get("device", "").strip()
    if channel not in ASSISTED_CHANNELS or not device:
        raise NotAChannelKey()
    return ChannelDevice(channel, device, api_key_id, tags.get("office") or None)  # type: ignore[arg-type]


def staff_member(api_key_id: str | None) -> str:
    if not api_key_id:
        raise NotStaff()
    tags = _tags(api_key_id)
    staff = tags.get("staff", "").strip()
    if tags.get("role") != STAFF_ROLE or not staff:
        raise NotStaff()
    return staff


def reset() -> None:
    with _lock:
        _cache.clear()
