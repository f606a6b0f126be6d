"""Image validation: the one gate every uploaded photo passes before any face engine sees it.

Order matters, cheapest and safest first: byte size (Rekognition takes at most 5 MB), type by
magic bytes (JPEG or PNG only), no bytes after the image's end marker (polyglots), dimensions
read from the header without decoding (decompression bombs), and only then a full decode,
which refuses truncated or corrupt data. Pillow is imported lazily (the API's cold import).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any, Literal

from iamsmart import errors
from iamsmart.settings import Settings, settings

JPEG_MAGIC = b"\xff\xd8\xff"
JPEG_END = b"\xff\xd9"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"  # the IEND chunk type and its (constant) CRC

Format = Literal["JPEG", "PNG"]


@dataclass(frozen=True)
class ValidImage:
    """Bytes that passed every check, with what the checks learnt about them."""

    data: bytes
    format: Format
    width: int
    height: int


def _refuse(reason: str) -> errors.InvalidImage:
    # ``reason`` is a fixed, non-personal word for logs and tests; never image content.
    return errors.InvalidImage(reason=reason)


def sniff(data: bytes) -> Format:
    """The type the magic bytes claim, or InvalidImage (client-declared types are ignored)."""
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    if data.startswith(PNG_MAGIC):
        return "PNG"
    raise _refuse("type")


def _ends_cleanly(data: bytes, fmt: Format) -> bool:
    """Nothing follows the end marker (a ZIP/HTML/script appended to a photo is refused)."""
    if fmt == "PNG":
        return data.endswith(PNG_END)
    # Some cameras pad JPEGs with zero bytes after EOI; anything else is refused.
    return data.rstrip(b"\x00").endswith(JPEG_END)


def _pillow(max_pixels: int) -> Any:
    from PIL import Image

    # Pillow's own guard as a second line: warns above the limit, raises above twice it.
    Image.MAX_IMAGE_PIXELS = max_pixels
    return Image


def validate(data: bytes, cfg: Settings | None = None) -> ValidImage:
    """Check an uploaded photo; raise PayloadTooLarge or InvalidImage, never decode a bomb."""
    cfg = cfg or settings()
    if not isinstance(data, bytes | bytearray) or not data:
        raise _refuse("empty")
    if len(data) > cfg.face_image_max_bytes:
        raise errors.PayloadTooLarge(
            en=f"The photo is too large (at most {cfg.face_image_max_bytes // (1024 * 1024)} MB).",
            tc=f"相片過大（上限為 {cfg.face_image_max_bytes // (1024 * 1024)} MB）。",
            reason="bytes",
        )
    data = bytes(data)
    fmt = sniff(data)
    if not _ends_cleanly(data, fmt):
        raise _refuse("trailing_or_truncated")

    image_mod = _pillow(cfg.face_image_max_pixels)
    with warnings.catch_warnings():
        warnings.simplefilter("error", image_mod.DecompressionBombWarning)
        try:
            # Opening reads the header only: the dimensions come before any pixel is decoded.
            with image_mod.open(io.BytesIO(data), formats=[fmt]) as header:
                width, height = header.size
                if header.format != fmt:
                    raise _refuse("type")
            if width <= 0 or height <= 0 or width * height > cfg.face_image_max_pixels:
                raise _refuse("pixels")
            with image_mod.open(io.BytesIO(data), formats=[fmt]) as full:
                full.load()  # full decode: truncated or corrupt data raises here
        except errors.InvalidImage:
            raise
        except (image_mod.DecompressionBombError, image_mod.DecompressionBombWarning) as exc:
            raise _refuse("pixels") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # UnidentifiedImageError is an OSError; Pillow reports bad chunks as SyntaxError.
            raise _refuse("corrupt") from exc
    return ValidImage(data=data, format=fmt, width=width, height=height)


def decode_rgb(image: ValidImage, max_side: int) -> Any:
    """The photo as an upright RGB Pillow image, scaled down to ``max_side`` (local engine)."""
    from PIL import Image as image_mod
    from PIL import ImageOps

    with image_mod.open(io.BytesIO(image.data), formats=[image.format]) as img:
        if image.format == "JPEG":
            img.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale: faster
        upright = ImageOps.exif_transpose(img).convert("RGB")
    upright.thumbnail((max_side, max_side))
    return upright
