"""Who is calling the registration API with an API key: a registration site or a staff member.

API Gateway validates the key (``api_key_required``) and passes its id in the request context
(``identity.apiKeyId``); the API key registry (``iamsmart.apikeys``, written when the key was
issued) says who holds it:

- a ``site`` key: one kiosk, post-office counter or mobile team of the sites table
  (``iamsmart.sites``), each with its own key: the assisted intake route, which records the
  site on the application;
- a ``registration-staff`` key with the reviewer's staff id: the staff API.

Staff API keys are the seam where staff single sign-on goes (an identity provider in front
of the console, the key replaced by the signed-in officer's token); until then one key per
reviewer keeps every decision attributable. A retired site's key is disabled in the registry
and in API Gateway (``python -m tools.sites retire``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from iamsmart import errors
from iamsmart.apikeys import registry

ASSISTED_CHANNELS = ("kiosk", "counter", "mobile")


class NotAChannelKey(errors.Forbidden):
    code = "not_a_channel_key"
    en = "This API key is not enrolled as a registration kiosk, counter or mobile team."
    tc = "此 API 密鑰並未登記為登記自助機、櫃位或流動登記隊。"


class NotStaff(errors.Forbidden):
    code = "not_registration_staff"
    en = "This API key does not belong to registration staff."
    tc = "此 API 密鑰不屬於登記職員。"


@dataclass(frozen=True)
class ChannelSite:
    """The registration site that took an application, from its own API key."""

    channel: Literal["kiosk", "counter", "mobile"]
    site: str  # its id in the sites table
    key_id: str


def channel_site(api_key_id: str | None) -> ChannelSite:
    principal = registry.holder(api_key_id)
    if (principal is None or principal.kind != "site" or principal.site is None
            or principal.channel not in ASSISTED_CHANNELS or not api_key_id):
        raise NotAChannelKey()
    return ChannelSite(principal.channel, principal.site, api_key_id)  # type: ignore[arg-type]


def staff_member(api_key_id: str | None) -> str:
    principal = registry.holder(api_key_id)
    if principal is None or principal.kind != "registration-staff" or not principal.staff:
        raise NotStaff()
    return principal.staff


def reset() -> None:
    registry.reset()
