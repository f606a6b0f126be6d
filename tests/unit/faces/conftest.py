import io
from pathlib import Path

import pytest

from iamsmart.settings import Settings

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"


def photo(name: str) -> bytes:
    return (FACES / f"{name}.jpg").read_bytes()


def png(width: int = 64, height: int = 64, colour=(120, 120, 120)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def side_by_side(*names: str) -> bytes:
    """One JPEG showing the faces of several fixture photos next to each other."""
    from PIL import Image

    parts = []
    for name in names:
        img = Image.open(io.BytesIO(photo(name))).convert("RGB")
        img.thumbnail((600, 600))
        parts.append(img)
    canvas = Image.new("RGB", (sum(p.width for p in parts), max(p.height for p in parts)),
                       (255, 255, 255))
    x = 0
    for part in parts:
        canvas.paste(part, (x, 0))
        x += part.width
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def cfg() -> Settings:
    return Settings(face_engine="local")


class Pictures:
    """Fixture photos and images built on the fly (helpers reach tests as a fixture)."""

    photo = staticmethod(photo)
    png = staticmethod(png)
    side_by_side = staticmethod(side_by_side)


@pytest.fixture(scope="session")
def pics() -> type[Pictures]:
    return Pictures
