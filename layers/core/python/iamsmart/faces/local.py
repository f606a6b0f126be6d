"""A real local face engine: dlib's ResNet face descriptor (local platform and tests).

Not shipped to Lambda: ``dlib-bin`` and ``face-recognition-models`` are development extras,
imported on first use. It cannot evaluate liveness, so a photo taken in the page is accepted
(and liveness says ``not_evaluated``). Templates are the 128-number descriptor, encrypted with
a KMS data key (envelope encryption: ``GenerateDataKey`` under
``settings.face_template_key_alias``, AES-256-GCM with the account id as associated data);
only ``{"ciphertext", "nonce", "encrypted_key"}`` (base64) are stored, the plaintext key is
dropped at once; the match decrypts it (``Decrypt``) and compares descriptors.

Descriptors of one person lie ≈0.33–0.43 apart, of different people
≈0.82–0.87; dlib's usual decision distance is 0.6. ``similarity`` maps a distance onto the
0..1 scale of the port so that the distance 0.6 lands on the default match threshold (0.90).
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
from typing import Any, Literal

from iamsmart import errors
from iamsmart.faces import images
from iamsmart.faces.engine import Comparison, decide, fully_visible, require_one_face
from iamsmart.settings import Settings

# Photos are scaled to this longest side before detection: faces stay far above the
# detector's ≈80 px minimum in a selfie, and a compare costs ~0.2 s instead of ~1 s.
MAX_SIDE = 800
DLIB_THRESHOLD = 0.6
CALIBRATED_SIMILARITY = 0.90  # the similarity the dlib threshold maps to


def similarity(distance: float) -> float:
    """Distance between descriptors → similarity 0..1 (monotonic, 0.6 ↦ 0.90, ≥1.2 ↦ 0)."""
    if distance <= DLIB_THRESHOLD:
        return 1.0 - distance * (1.0 - CALIBRATED_SIMILARITY) / DLIB_THRESHOLD
    slope = CALIBRATED_SIMILARITY / DLIB_THRESHOLD
    return max(0.0, CALIBRATED_SIMILARITY - (distance - DLIB_THRESHOLD) * slope)


@functools.cache
def _models() -> tuple[Any, Any, Any]:
    """Detector, 5-point landmarks and ResNet descriptor, loaded once per process (~0.4 s)."""
    import dlib
    import face_recognition_models as files

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(files.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(files.face_recognition_model_location()),
    )


def _aad(account_id: str) -> bytes:
    return f"iamsmart:face-template:{account_id}".encode()


def _seal(descriptor: list[float], account_id: str, cfg: Settings) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from iamsmart import aws

    answer = aws.call("kms", "generate_data_key", KeyId=cfg.face_template_key_alias,
                      KeySpec="AES_256",
                      EncryptionContext={"purpose": "face-template", "account": account_id})
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps([round(float(x), 8) for x in descriptor]).encode()
    sealed = AESGCM(answer["Plaintext"]).encrypt(nonce, plaintext, _aad(account_id))
    b64 = base64.b64encode
    return {"ciphertext": b64(sealed).decode(), "nonce": b64(nonce).decode(),
            "encrypted_key": b64(answer["CiphertextBlob"]).decode()}


def _open(stored: dict[str, str], account_id: str) -> list[float]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from iamsmart import aws

    answer = aws.call("kms", "decrypt", CiphertextBlob=base64.b64decode(stored["encrypted_key"]),
                      EncryptionContext={"purpose": "face-template", "account": account_id})
    try:
        plain = AESGCM(answer["Plaintext"]).decrypt(base64.b64decode(stored["nonce"]),
                                                    base64.b64decode(stored["ciphertext"]),
                                                    _aad(account_id))
    except InvalidTag:
        # A template moved to another account, or tampered with: never a match.
        raise errors.Unavailable(reason="template_unreadable") from None
    return [float(x) for x in json.loads(plain)]


class LocalFaceEngine:
    name = "local"
    evaluates_liveness = False
    kept_as = "an encrypted face descriptor (KMS envelope encryption)"
    stores: tuple[str, ...] = ("accounts_table", "kms_encrypted_data_key")

    def __init__(self, cfg: Settings, client: Any | None = None):
        self.cfg = cfg

    def _faces(self, image: bytes) -> tuple[Any, list[Any], int]:
        """Pixels, faces found, and how many of them are cut off at the frame's edge."""
        import numpy as np

        valid = images.validate(image, self.cfg)
        pixels = np.asarray(images.decode_rgb(valid, MAX_SIDE))
        detector, _, _ = _models()
        found = list(detector(pixels, 0))
        if not found:  # small faces: one upsampling pass before giving up
            found = list(detector(pixels, 1))
        height, width = pixels.shape[:2]
        cut_off = sum(not fully_visible(f.left(), f.top(), f.width(), f.height(), width, height)
                      for f in found)
        return pixels, found, cut_off

    def descriptor(self, image: bytes,
                   which: Literal["selfie", "reference"] = "selfie") -> list[float]:
        """The 128-number descriptor of the photo's one whole face (a local face template)."""
        pixels, faces, cut_off = self._faces(image)
        require_one_face(len(faces), which, cut_off)
        _, landmarks, resnet = _models()
        return list(resnet.compute_face_descriptor(pixels, landmarks(pixels, faces[0]), 1))

    def compare(self, selfie: bytes, reference: bytes) -> Comparison:
        a = self.descriptor(selfie, "selfie")
        b = self.descriptor(reference, "reference")
        distance = sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5
        score = round(similarity(distance), 4)
        return Comparison(similarity=score, decision=decide(score, self.cfg), faces_in_selfie=1)

    # --- templates (KMS envelope) ----------------------------------------------------------

    def enrol(self, image: bytes, account_id: str) -> dict[str, str]:
        return _seal(self.descriptor(image, "selfie"), account_id, self.cfg)

    def match(self, image: bytes, stored: dict[str, str], account_id: str) -> float:
        live = self.descriptor(image, "selfie")
        kept = _open(stored, account_id)
        distance = sum((x - y) ** 2 for x, y in zip(live, kept, strict=True)) ** 0.5
        return round(similarity(distance), 4)

    def forget(self, stored: dict[str, str]) -> None:
        """Nothing outside the template's item (deleting the item deletes the template)."""

    def prepare_storage(self) -> dict[str, int]:
        """The symmetric KMS key that wraps the templates' data keys (idempotent: an existing
        alias is left alone)."""
        from iamsmart import aws

        kms = aws.client("kms")
        try:
            kms.describe_key(KeyId=self.cfg.face_template_key_alias)
            return {"keys": 0}
        except kms.exceptions.NotFoundException:
            pass
        meta = kms.create_key(Description="Wraps the data keys of local face templates",
                              KeySpec="SYMMETRIC_DEFAULT",
                              KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
        kms.create_alias(AliasName=self.cfg.face_template_key_alias, TargetKeyId=meta["KeyId"])
        return {"keys": 1}
