"""One picture fitted to an `ImageOutput` with Qt's image classes (``QImageReader``, ``QImage``,
``QImageWriter`` over a ``QBuffer``). They need no ``QApplication``: the PNG, JPEG, GIF and WebP
plugins load in a bare Python, so the headless CLI fits pictures as Anki does.

* Animated pictures (a GIF of more than one frame, an animated WebP) are kept byte for byte: no
  bundled encoder writes them, and one still frame would lose what the picture shows.
* A picture no larger than ``max_px`` on its longer side and already in the wanted format is kept
  byte for byte (it is not even decoded).
* Otherwise it is decoded (its EXIF orientation applied), scaled down smoothly until its longer side
  is ``max_px`` (never up), and encoded: as JPEG (transparent parts on white), as WebP, or for
  ``keep`` in its own format (a GIF as PNG: Qt writes no GIF).
* Bytes Qt cannot decode or encode are kept as they came (the media checks passed them) and
  logged; so is a fitted picture that would fail the media checks.

Thread safety: QImage, QImageReader and QImageWriter on a QBuffer are not GUI objects: several
worker threads may fit pictures at once, each with objects of its own.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PyQt6.QtGui import QColor, QImage, QImageReader, QImageWriter, QPainter

from ..core.base.errors import InvalidResponseError
from ..core.base.log import get_logger
from ..core.media.checks import mime_type, require_media, sniff_image
from ..core.media.image_output import ImageOutput, is_animated_webp
from ..core.media.types import MediaKind, MediaResult

log = get_logger(__name__)

# Qt's writer format for each stored extension.
_WRITER_FORMATS = {"jpg": b"jpeg", "webp": b"webp", "png": b"png"}
_LOSSY = frozenset({"jpg", "webp"})


@dataclass(frozen=True)
class Fitted:
    """A picture made anew: its bytes, their extension and its size in pixels."""

    data: bytes
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class Kept:
    """Why a picture is stored as it came; ``problem`` when Qt could not handle it (logged as a
    warning), not when it needed nothing."""

    reason: str
    problem: bool = False


def fit_picture(data: bytes, output: ImageOutput) -> Fitted | Kept:
    """``data`` (a picture the media checks passed) fitted to ``output``, or why it is kept."""
    source = sniff_image(data)
    if source is None:
        return Kept("it is no picture format Media Fill stores", problem=True)
    if source == "webp" and is_animated_webp(data):
        return Kept("it is an animated WebP")
    array = QByteArray(data)
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    if not reader.canRead():
        return Kept(f"Qt cannot read it ({reader.errorString()})", problem=True)
    if reader.supportsAnimation() and reader.imageCount() > 1:
        return Kept(f"it is an animated {source.upper()}")
    size = reader.size()
    if output.wants(source) and size.isValid() and max(size.width(), size.height()) <= output.max_px:
        return Kept("it is small enough and in the wanted format")
    image = reader.read()
    if image.isNull():
        return Kept(f"Qt cannot decode it ({reader.errorString()})", problem=True)
    if output.wants(source) and max(image.width(), image.height()) <= output.max_px:
        return Kept("it is small enough and in the wanted format")
    wanted = output.extension_for(source)
    image = _scaled_down(image, output.max_px)
    if wanted == "jpg" and image.hasAlphaChannel():
        image = _on_white(image)
    encoded = _encode(image, wanted, quality=output.quality)
    if encoded is None:
        return Kept(f"Qt could not write it as {wanted}", problem=True)
    return Fitted(encoded, wanted, image.width(), image.height())


def fit_result(result: MediaResult) -> MediaResult:
    """``result`` with its picture fitted to the output settings its request carries
    (`ImageOutput.from_options`); anything else, and any picture that is kept, unchanged. Never
    raises: a picture the media checks passed is never lost to the codec."""
    if result.request.kind is not MediaKind.IMAGE or result.data is None:
        return result
    output = ImageOutput.from_options(result.request.options)
    if output is None:
        return result
    started = time.perf_counter()
    try:
        fitted = fit_picture(result.data, output)
    except Exception:  # a codec's bug must not cost the user a picture the checks passed
        log.warning("a picture from %s is stored as it came: fitting it failed", result.provider, exc_info=True)
        return result
    if isinstance(fitted, Kept):
        report = log.warning if fitted.problem else log.debug
        report("a picture from %s is stored as it came: %s", result.provider, fitted.reason)
        return result
    try:
        require_media(
            MediaKind.IMAGE, fitted.data, extension=fitted.extension, provider=result.provider, max_bytes=None
        )
    except InvalidResponseError as exc:
        log.warning(
            "a picture from %s is stored as it came: the fitted one failed the checks (%s)", result.provider, exc
        )
        return result
    log.debug(
        "a picture from %s fitted: %s bytes %s -> %s bytes %s at %dx%d in %.0f ms",
        result.provider,
        len(result.data),
        result.extension,
        len(fitted.data),
        fitted.extension,
        fitted.width,
        fitted.height,
        (time.perf_counter() - started) * 1000,
    )
    return dataclasses.replace(
        result, data=fitted.data, extension=fitted.extension, mime_type=mime_type(fitted.extension)
    )


def _scaled_down(image: QImage, max_px: int) -> QImage:
    """``image`` with its longer side at most ``max_px`` (never enlarged, never 0 pixels wide)."""
    width, height = image.width(), image.height()
    longer = max(width, height)
    if longer <= max_px:
        return image
    ratio = max_px / longer
    return image.scaled(
        max(1, round(width * ratio)),
        max(1, round(height * ratio)),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def _on_white(image: QImage) -> QImage:
    """``image`` drawn on a white background, without transparency (JPEG has none)."""
    flat = QImage(image.size(), QImage.Format.Format_RGB32)
    flat.fill(QColor(255, 255, 255))
    painter = QPainter(flat)
    try:
        painter.drawImage(0, 0, image)
    finally:
        painter.end()
    return flat


def _encode(image: QImage, extension: str, *, quality: int) -> bytes | None:
    """``image`` encoded as ``extension`` (lossy formats at ``quality``), or None when Qt fails."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(_WRITER_FORMATS[extension]))
    if extension in _LOSSY:
        writer.setQuality(quality)
    if extension == "jpg":
        writer.setOptimizedWrite(True)
    written = writer.write(image)
    buffer.close()
    if not written:
        log.info("Qt could not write a picture as %s: %s", extension, writer.errorString())
        return None
    return bytes(array.data())
