"""Pictures fitted to ``image_max_px`` / ``image_format`` / ``image_quality`` with Qt's image classes
(`addon.pictures.fit`): downsized and converted where needed, kept byte for byte where not (small
enough and in the wanted format, animated, undecodable), transparency on white in JPEG, and every
result still passing the media checks under the right extension. Also: Qt does this without a
QApplication, in a fresh interpreter as the headless CLI runs."""

from __future__ import annotations

import functools
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from addon.core.media.checks import require_media, sniff_image
from addon.core.media.image_output import ImageOutput, is_animated_webp
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.pictures import picture_transform
from addon.pictures.fit import Fitted, Kept, fit_picture, fit_result
from tests.support.media_samples import (
    PILLOW_WEBP,
    animated_gif_bytes,
    animated_webp_bytes,
    gif_bytes,
    png_bytes,
    webp_bytes,
)
from tests.support.picture_samples import decode, encode, photo, photo_jpeg, photo_png, transparent_png

REPO = Path(__file__).resolve().parents[2]


@functools.cache
def big_png() -> bytes:
    return photo_png(1024, 1024)


DEFAULTS = ImageOutput()


def made(data: bytes, extension: str, output: ImageOutput | None = DEFAULTS) -> MediaResult:
    options = output.options() if output is not None else {}
    request = MediaRequest(kind=MediaKind.IMAGE, text="a cat", options=options)
    return MediaResult(request=request, provider="openai", data=data, extension=extension, mime_type="image/png")


def stored(result: MediaResult) -> bytes:
    """The result's bytes, checked as the store step checks them."""
    assert result.data is not None
    require_media(MediaKind.IMAGE, result.data, extension=result.extension, provider=result.provider)
    return result.data


def test_a_1024_png_becomes_a_jpeg_of_at_most_800_px() -> None:
    fitted = fit_result(made(big_png(), "png"))

    data = stored(fitted)
    assert (fitted.extension, fitted.mime_type, sniff_image(data)) == ("jpg", "image/jpeg", "jpg")
    image = decode(data)
    assert (image.width(), image.height()) == (800, 800)
    assert len(data) < len(big_png()) / 4


def test_the_longer_side_is_the_one_limited_and_no_side_becomes_zero() -> None:
    wide = encode(photo(1600, 400), "png")
    sliver = png_bytes(3000, 2)

    fitted = fit_result(made(wide, "png", ImageOutput(max_px=500)))
    thin = fit_result(made(sliver, "png", ImageOutput(max_px=100)))

    assert (decode(stored(fitted)).width(), decode(stored(fitted)).height()) == (500, 125)
    assert (decode(stored(thin)).width(), decode(stored(thin)).height()) == (100, 1)


def test_a_small_jpeg_is_kept_byte_for_byte() -> None:
    small = photo_jpeg(300, 200)
    original = made(small, "jpg")

    assert fit_result(original) is original
    assert fit_picture(small, ImageOutput()) == Kept("it is small enough and in the wanted format")


def test_a_small_picture_in_another_format_is_converted_at_its_size() -> None:
    fitted = fit_result(made(png_bytes(300, 200), "png"))

    assert fitted.extension == "jpg"
    assert (decode(stored(fitted)).width(), decode(stored(fitted)).height()) == (300, 200)


@pytest.mark.parametrize(
    ("data", "extension"),
    [(animated_gif_bytes(1000, 2), "gif"), (animated_webp_bytes(), "webp")],
    ids=["gif wider than image_max_px", "webp"],
)
def test_an_animated_picture_is_kept_byte_for_byte(data: bytes, extension: str) -> None:
    original = made(data, extension)
    stored(original)

    assert fit_result(original) is original
    assert isinstance(fit_picture(data, ImageOutput()), Kept)


def test_animated_webp_is_told_from_still_webp_by_its_header() -> None:
    assert is_animated_webp(animated_webp_bytes())
    assert not is_animated_webp(webp_bytes()) and not is_animated_webp(PILLOW_WEBP)
    assert not is_animated_webp(png_bytes())


def test_transparency_becomes_white_in_a_jpeg() -> None:
    fitted = fit_result(made(transparent_png(1024, 1024), "png"))

    image = decode(stored(fitted))
    assert fitted.extension == "jpg" and not image.hasAlphaChannel()
    corner, middle = image.pixelColor(5, 5), image.pixelColor(400, 400)
    assert min(corner.red(), corner.green(), corner.blue()) >= 250  # white, not black
    assert middle.red() > 200 and middle.green() < 60 and middle.blue() < 60


def test_webp_output_keeps_transparency() -> None:
    output = ImageOutput(format="webp", quality=80)

    fitted = fit_result(made(transparent_png(1024, 1024), "png", output))
    photo_webp = fit_result(made(big_png(), "png", output))

    image = decode(stored(fitted))
    assert (fitted.extension, fitted.mime_type, image.width()) == ("webp", "image/webp", 800)
    assert image.hasAlphaChannel() and image.pixelColor(5, 5).alpha() == 0
    assert photo_webp.extension == "webp" and len(stored(photo_webp)) < len(big_png()) / 4


def test_keep_keeps_the_format_but_still_downsizes() -> None:
    keep = ImageOutput(format="keep")

    png = fit_result(made(big_png(), "png", keep))
    jpeg = fit_result(made(photo_jpeg(1024, 1024), "jpg", keep))
    small_png = made(png_bytes(300, 200), "png", keep)

    assert (png.extension, decode(stored(png)).width()) == ("png", 800)
    assert (jpeg.extension, decode(stored(jpeg)).width()) == ("jpg", 800)
    assert fit_result(small_png) is small_png


def test_a_still_gif_that_must_shrink_under_keep_becomes_png() -> None:
    wide_gif = animated_gif_bytes(1000, 2, frames=1)

    fitted = fit_result(made(wide_gif, "gif", ImageOutput(format="keep")))
    small = made(gif_bytes(), "gif", ImageOutput(format="keep"))

    assert (fitted.extension, decode(stored(fitted)).width()) == ("png", 800)
    assert fit_result(small) is small


def test_undecodable_bytes_are_kept_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    good = png_bytes(40, 40)
    start = good.index(b"IDAT") + 4
    broken = good[:start] + b"\x00" * 12 + good[start + 12 :]  # the compressed pixels wrecked
    original = made(broken, "png")
    stored(original)  # the media checks pass it: only a decoder can tell

    with caplog.at_level(logging.INFO, logger="addon.pictures.fit"):
        fitted = fit_result(original)

    assert fitted is original
    assert "a picture from openai is stored as it came: Qt cannot decode it" in caplog.text


def test_requests_without_picture_settings_and_sounds_are_left_alone() -> None:
    no_settings = made(big_png(), "png", output=None)
    sound = MediaResult(
        request=MediaRequest(kind=MediaKind.AUDIO, text="a", options=ImageOutput().options()),
        provider="espeak",
        data=b"ID3",
        extension="mp3",
    )

    assert fit_result(no_settings) is no_settings
    assert fit_result(sound) is sound


def test_the_fit_is_what_the_job_gets_when_qt_is_there() -> None:
    assert picture_transform() is fit_result
    assert isinstance(fit_picture(big_png(), ImageOutput()), Fitted)


_HEADLESS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from PyQt6.QtCore import QCoreApplication
from PyQt6.QtGui import QImage
from addon.core.media.image_output import ImageOutput
from addon.pictures.fit import fit_picture
from tests.support.picture_samples import photo, encode
source = photo(900, 600)
sizes = {}
for fmt in ("png", "jpeg", "webp"):
    for out in ("jpeg", "webp", "keep"):
        fitted = fit_picture(encode(source, fmt), ImageOutput(max_px=300, format=out))
        image = QImage.fromData(fitted.data)
        sizes[fmt + ">" + out] = [fitted.extension, image.width(), image.height()]
print(json.dumps({"app": QCoreApplication.instance() is not None, "sizes": sizes}))
"""


def test_qt_fits_png_jpeg_and_webp_in_a_fresh_interpreter_without_an_application() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _HEADLESS, str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(REPO)},  # no DISPLAY, no QT_QPA_PLATFORM
    )

    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["app"] is False
    extensions = {"png": "png", "jpeg": "jpg", "webp": "webp"}
    assert outcome["sizes"] == {
        f"{fmt}>{out}": [{"jpeg": "jpg", "webp": "webp", "keep": extensions[fmt]}[out], 300, 200]
        for fmt in ("png", "jpeg", "webp")
        for out in ("jpeg", "webp", "keep")
    }
