import io
import struct
import zlib

import pytest

from iamsmart import errors
from iamsmart.faces import images
from iamsmart.settings import Settings


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def declared_png(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header declares width x height (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    row = b"\x00" + b"\x00" * 3 * 16
    return (images.PNG_MAGIC + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * 16, 9)) + chunk(b"IEND", b""))


def reason(exc_info) -> str:
    return exc_info.value.details["reason"]


def test_accepts_fixture_jpeg_and_reads_dimensions(pics):
    valid = images.validate(pics.photo("obama"), Settings())
    assert (valid.format, valid.width, valid.height) == ("JPEG", 910, 1137)


def test_accepts_png(pics):
    valid = images.validate(pics.png(40, 30), Settings())
    assert (valid.format, valid.width, valid.height) == ("PNG", 40, 30)


def test_refuses_6_mb_before_looking_inside():
    data = images.JPEG_MAGIC + b"\x00" * (6 * 1024 * 1024)
    with pytest.raises(errors.PayloadTooLarge) as exc:
        images.validate(data, Settings())
    assert "5 MB" in exc.value.en and "5 MB" in exc.value.tc


@pytest.mark.parametrize("data", [
    b"",
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
])
def test_refuses_non_images_and_other_types(data):
    with pytest.raises(errors.InvalidImage) as exc:
        images.validate(data, Settings())
    assert reason(exc) in {"type", "empty"}
    assert exc.value.code == "invalid_image" and exc.value.tc


def test_refuses_png_header_on_jpeg_body(pics):
    body = pics.photo("obama2")
    with pytest.raises(errors.InvalidImage):
        images.validate(images.PNG_MAGIC + body, Settings())
    # Even dressed up with a proper PNG ending, Pillow cannot parse it as a PNG.
    with pytest.raises(errors.InvalidImage) as exc:
        images.validate(images.PNG_MAGIC + body[3:] + images.PNG_END, Settings())
    assert reason(exc) == "corrupt"


@pytest.mark.parametrize("tail", [b"PK\x03\x04" + b"\x00" * 26, b"<script>alert(1)</script>"])
def test_refuses_polyglots(pics, tail):
    for data in (pics.photo("obama2") + tail, pics.png() + tail):
        with pytest.raises(errors.InvalidImage) as exc:
            images.validate(data, Settings())
        assert reason(exc) == "trailing_or_truncated"


def test_tolerates_zero_padding_after_jpeg_end(pics):
    assert images.validate(pics.photo("obama2") + b"\x00" * 64, Settings()).format == "JPEG"


def test_refuses_decompression_bomb_from_header_without_decoding():
    bomb = declared_png(30000, 30000)
    assert len(bomb) < 200
    with pytest.raises(errors.InvalidImage) as exc:
        images.validate(bomb, Settings())
    assert reason(exc) == "pixels"


def test_pixel_limit_is_a_setting(pics):
    data = pics.png(200, 200)
    assert images.validate(data, Settings(face_image_max_pixels=40_000)).width == 200
    with pytest.raises(errors.InvalidImage) as exc:
        images.validate(data, Settings(face_image_max_pixels=39_999))
    assert reason(exc) == "pixels"


def test_pillow_guard_is_armed(pics):
    from PIL import Image

    images.validate(pics.png(20, 20), Settings(face_image_max_pixels=1000))
    assert Image.MAX_IMAGE_PIXELS == 1000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(pics.png(100, 100)))
    images.validate(pics.png(), Settings())  # restore the default guard for other tests
    assert Image.MAX_IMAGE_PIXELS == Settings().face_image_max_pixels


def test_refuses_truncated_jpeg(pics):
    data = pics.photo("obama")
    with pytest.raises(errors.InvalidImage) as exc:
        images.validate(data[: len(data) // 2], Settings())
    assert reason(exc) == "trailing_or_truncated"
    # Cut short but with an end marker glued on: the decoder finds the hole.
    with pytest.raises(errors.InvalidImage) as exc:
        images.validate(data[:2000] + images.JPEG_END, Settings())
    assert reason(exc) == "corrupt"


def test_refuses_corrupt_png(pics):
    data = bytearray(pics.png())
    data[data.index(b"IDAT") + 6] ^= 0xFF
    with pytest.raises(errors.InvalidImage) as exc:
        images.validate(bytes(data), Settings())
    assert reason(exc) == "corrupt"


def test_decode_rgb_scales_down(pics):
    img = images.decode_rgb(images.validate(pics.photo("obama"), Settings()), 400)
    assert img.mode == "RGB" and max(img.size) == 400
