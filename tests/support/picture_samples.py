"""Pictures built with Qt's image classes (no QApplication needed), for the picture-fitting tests and
the benchmark: a photo-like picture (smooth colour with grain, which compresses as real photos and
AI pictures do, unlike a flat colour), a picture with transparency, and a reader of the size and
pixels of stored bytes.

Thread safety: pure functions; each call builds its own Qt objects.
"""

from __future__ import annotations

import math
import random

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PyQt6.QtGui import QColor, QImage, QImageWriter, QPainter

_WAVES = 64  # the side of the smooth picture that is scaled up
_GRAIN = 97  # the side of the grain tile (not a divisor of common sizes: no visible grid)


def encode(image: QImage, fmt: str, *, quality: int = -1) -> bytes:
    """``image`` written as ``fmt`` (``png``, ``jpeg``, ``webp``)."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(fmt.encode()))
    writer.setQuality(quality)
    assert writer.write(image), writer.errorString()
    buffer.close()
    return bytes(array.data())


def decode(data: bytes) -> QImage:
    """The picture ``data`` holds (asserted decodable)."""
    image = QImage.fromData(data)
    assert not image.isNull()
    return image


def photo(width: int = 1024, height: int = 1024, *, seed: int = 7) -> QImage:
    """A photo-like picture: smooth waves of colour under a fine grain (same pixels for the same
    arguments). Built small and scaled up, the grain tiled: fast enough for every test."""
    small = QImage(_WAVES, _WAVES, QImage.Format.Format_RGB888)
    for y in range(_WAVES):
        for x in range(_WAVES):
            red = 128 + 90 * math.sin(x / 6.1) * math.cos(y / 9.4)
            green = 128 + 80 * math.sin((x + y) / 10.8)
            blue = 128 + 70 * math.cos(x / 3.7 - y / 5.2)
            small.setPixelColor(x, y, QColor(int(red), int(green), int(blue)))
    image = small.scaled(
        width, height, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    ).convertToFormat(QImage.Format.Format_RGB32)
    noise = random.Random(seed)
    grain = QImage(_GRAIN, _GRAIN, QImage.Format.Format_ARGB32)
    for y in range(_GRAIN):
        for x in range(_GRAIN):
            level = noise.randint(0, 255)
            grain.setPixelColor(x, y, QColor(level, level, level, 40))
    painter = QPainter(image)
    try:
        for top in range(0, height, _GRAIN):
            for left in range(0, width, _GRAIN):
                painter.drawImage(left, top, grain)
    finally:
        painter.end()
    return image


def photo_png(width: int = 1024, height: int = 1024) -> bytes:
    return encode(photo(width, height), "png")


def photo_jpeg(width: int = 1024, height: int = 1024, *, quality: int = 90) -> bytes:
    return encode(photo(width, height), "jpeg", quality=quality)


def transparent_png(width: int = 1024, height: int = 1024) -> bytes:
    """A PNG that is transparent except for an opaque red square in the middle third."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    try:
        painter.fillRect(width // 3, height // 3, width // 3, height // 3, QColor(220, 20, 20))
    finally:
        painter.end()
    return encode(image, "png")
