"""Wire models of a registration application (``POST /v1/registrations`` and
``POST /v1/registrations/assisted``), as the OpenAPI document shows them.

The intake (``iamsmart.registration.intake``) parses the body itself: its own size limit (two
photos), the HKID number checked before anything else, bilingual errors naming the field.
These models describe exactly what it accepts; tests check that their fields are the intake's
``FIELDS`` and that the bodies the intake accepts validate against the published schema.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from iamsmart.common.model import Model

_B64 = "base64 (standard alphabet, padded)"
_MAX_B64 = 8 * 1024 * 1024  # registration.evidence.MAX_BASE64


class ApplicationParticulars(Model):
    """As printed on the HKID card (typed by the applicant or an officer)."""

    model_config = ConfigDict(extra="forbid")
    hkid: str = Field(max_length=16, description="HKID number with its check digit, e.g. "
                      "A123456(3) (full-width characters are accepted and normalised)")
    name_en: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z ,.'\-]*$",
                         description="English name as on the card")
    name_zh: str | None = Field(default=None, max_length=20, description="Chinese name")
    date_of_birth: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                               description="YYYY-MM-DD, not in the future")
    sex: Literal["M", "F"]
    date_of_issue: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                                      description="YYYY-MM-DD")


class ChipEvidence(Model):
    """Read from the smart HKID card's chip: the signed hashes and the data groups."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["chip"]
    sod: str = Field(min_length=1, max_length=_MAX_B64,
                     description=f"The Document Security Object, {_B64}")
    data_groups: dict[str, str] = Field(
        min_length=1, max_length=16,
        description=f'Data groups by number ("1": particulars, "2": face image), {_B64}',
        json_schema_extra={"propertyNames": {"pattern": "^[0-9]{1,2}$"}})


class CardPhotoEvidence(Model):
    """A photo of the HKID card with the particulars typed beside it (checked by staff)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["card_photo"]
    photo: str = Field(min_length=1, max_length=_MAX_B64,
                       description=f"JPEG or PNG of the card, {_B64}")
    particulars: ApplicationParticulars


class FaceConsent(Model):
    model_config = ConfigDict(extra="forbid")
    face_processing: Literal[True] = Field(
        description="The applicant agrees to the processing of their face images")


class EmailContact(Model):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254, description="Where the outcome is sent")


class PhoneContact(Model):
    model_config = ConfigDict(extra="forbid")
    phone: str = Field(max_length=254, description="Hong Kong mobile number (8 digits, "
                       "optionally +852)")


class DeviceKey(Model):
    """The app's device key (P-256 public JWK), bound to the account when it is created."""

    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str = Field(min_length=1, max_length=64)
    y: str = Field(min_length=1, max_length=64)


class _Application(Model):
    model_config = ConfigDict(extra="forbid")
    evidence: ChipEvidence | CardPhotoEvidence = Field(discriminator="kind")
    selfie: str = Field(min_length=1, max_length=_MAX_B64,
                        description=f"A photo of the applicant's face, JPEG or PNG, {_B64}")
    consent: FaceConsent
    contact: EmailContact | PhoneContact = Field(description="Exactly one of e-mail or phone")
    language: Literal["en", "tc"] = Field(default="tc",
                                          description="The language of the notification")
    liveness_session: str | None = Field(
        default=None, max_length=64,
        description="From POST /v1/registrations/liveness (with liveness_nonce; used once)")
    liveness_nonce: str | None = Field(default=None, min_length=16, max_length=64)


class WebApplication(_Application):
    """An application from the web page or the app (no API key; limited per source)."""

    channel: Literal["web", "app"] = "web"
    device_key: DeviceKey | None = Field(default=None, description="The app only")


class AssistedApplication(_Application):
    """An application taken by a kiosk, a counter or a mobile team (their API key)."""

    channel: Literal["kiosk", "counter", "mobile"] | None = Field(
        default=None, description="If given, the channel of the API key")


class ChipEvidenceText(Model):
    """Chip evidence for the text check: data group 1 (the particulars) is enough."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["chip"]
    sod: str | None = Field(default=None, max_length=_MAX_B64, description="Optional here")
    data_groups: dict[str, str] = Field(description="At least \"1\" (DG1), base64")


class CardPhotoEvidenceText(Model):
    """Card-photo evidence for the text check: the particulars; the photo is optional."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["card_photo"]
    photo: str | None = Field(default=None, max_length=_MAX_B64, description="Optional here")
    particulars: ApplicationParticulars


class ApplicationText(Model):
    """``POST /v1/registrations/check``: an application's text, photos optional. The answer
    is 200 ``{"valid": true}``, or 400 with every text problem in ``details.fields``."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["web", "app"] = "web"
    evidence: ChipEvidenceText | CardPhotoEvidenceText = Field(discriminator="kind")
    selfie: str | None = Field(default=None, max_length=_MAX_B64, description="Optional here")
    consent: FaceConsent
    contact: EmailContact | PhoneContact = Field(description="Exactly one of e-mail or phone")
    language: Literal["en", "tc"] = "tc"
    device_key: DeviceKey | None = None
    liveness_session: str | None = Field(default=None, max_length=64)
    liveness_nonce: str | None = Field(default=None, min_length=16, max_length=64)


class NewCodeBody(Model):
    """``POST /v1/registrations/{application_id}/enrolment-code``: verify again with the same
    card's chip and a new selfie (``iamsmart.registration.reissue``)."""

    model_config = ConfigDict(extra="forbid")
    evidence: ChipEvidence
    selfie: str = Field(min_length=1, max_length=_MAX_B64,
                        description=f"A new photo of the applicant's face, JPEG or PNG, {_B64}")
