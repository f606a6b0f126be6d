"""Wire models of the liveness hand-off, shared by the step-up, registration and device
routes (``iamsmart.faces.liveness`` holds the rules)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from iamsmart.common.model import Model


class LivenessMessage(Model):
    en: str
    tc: str


class Qr(Model):
    payload: str = Field(description="iamsmart://liveness?session=...&k=...")
    svg: str = Field(description="The QR code as an SVG data URI")


class Handoff(Model):
    number: int = Field(description="Shown on the page; the app's citizen chooses it")
    app_link: str = Field(description="Same-device link opening the app (the QR payload)")
    qr: Qr


class HandoffState(Model):
    state: Literal["waiting", "started", "captured", "used", "expired", "passed", "refused"]
    error: str | None = Field(default=None, description="A refused step-up's error code")
    message: LivenessMessage | None = Field(default=None, description="A refused step-up's reason")
    remaining: int | None = Field(default=None, description="Step-up attempts left")
    declined: bool | None = Field(default=None, description="The login was declined")
    next: str | None = Field(default=None, description="Where the page goes next")
    face_assurance: dict[str, object] | None = None


class NonceBody(Model):
    model_config = ConfigDict(extra="forbid")

    liveness_nonce: str = Field(min_length=16, max_length=64)
