"""Files known to the sandbox: photos and documents sent by either side, kept in memory by ``file_id``.

Telegram stores the bytes and hands out a ``file_id`` (reusable for sending again) and a ``file_path`` (for one
download through ``/file/bot<token>/<path>``). The bot stores only the ``file_id`` and a hash (design decision 5),
so the sandbox must give stable ids and serve the same bytes back.
"""

from __future__ import annotations

import hashlib
import mimetypes
import struct
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    """"photo" or "document": Telegram refuses to send a document's id as a photo."""
    data: bytes
    mime_type: str
    file_name: str
    file_path: str
    width: int = 0
    height: int = 0

    def as_file(self) -> dict[str, Any]:
        """The Bot API ``File`` object getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }

    def as_photo_sizes(self) -> list[dict[str, Any]]:
        """``Message.photo``: Telegram sends several sizes; one is enough for PTB and the bot."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": len(self.data),
            }
        ]

    def as_document(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }

    def describe(self) -> dict[str, Any]:
        """What the control API shows about a file (everything but the bytes)."""
        return {
            "file_id": self.file_id,
            "kind": self.kind,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
            "width": self.width or None,
            "height": self.height or None,
        }


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, WebP or JPEG image, or None when the bytes are not one.

    Telegram answers ``IMAGE_PROCESS_FAILED`` to a sendPhoto with something that is not a picture; reading the
    header is enough to do the same without an imaging library.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        if data[12:16] == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
        if data[12:16] == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (segment,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + segment
    return None


_IMAGE_MIME = {b"\x89PNG": "image/png", b"GIF8": "image/gif", b"RIFF": "image/webp"}
_EXTENSIONS = {"image/jpeg": ".jpg", "text/plain": ".txt", "application/octet-stream": ".bin"}


class FileStore:
    """All files by ``file_id`` and by download path; ids are opaque, unique, and never reused."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(self, kind: str, data: bytes, *, mime_type: str = "", file_name: str = "") -> StoredFile:
        self._counter += 1
        number = self._counter
        digest = hashlib.sha256(data).hexdigest()[:16]
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        size = image_size(data) if kind == "photo" else None
        width, height = size or (0, 0)
        if kind == "photo" and not mime.startswith("image/"):
            mime = _IMAGE_MIME.get(data[:4], "image/jpeg")
        extension = _EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ""
        stored = StoredFile(
            file_id=f"SBX{kind[0].upper()}{number:06d}{digest}",
            file_unique_id=f"u{digest[:8]}{number}",
            kind=kind,
            data=data,
            mime_type=mime,
            file_name=file_name or f"file_{number}{extension}",
            file_path=f"{kind}s/file_{number}{extension}",
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def clear(self) -> None:
        self._by_id.clear()
        self._by_path.clear()

    def __len__(self) -> int:
        return len(self._by_id)
