"""In-memory file storage: file ids, download paths and Bot API file objects."""

from __future__ import annotations

import base64
import mimetypes
import os
import struct
import zlib
from dataclasses import dataclass
from typing import Any

# Real file ids start with a type-dependent prefix; mimicking it keeps logs familiar.
_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAA",
    "document": "BQACAgIAAxkBAA",
    "voice": "AwACAgIAAxkBAA",
    "sticker": "CAACAgIAAxkBAA",
    "video": "BAACAgIAAxkBAA",
    "audio": "CQACAgIAAxkBAA",
    "animation": "CgACAgIAAxkBAA",
    "video_note": "DQACAgIAAxkBAA",
}
_FOLDER = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "sticker": ("stickers", ".webp"),
    "video": ("videos", ".mp4"),
    "audio": ("music", ".mp3"),
    "animation": ("animations", ".mp4"),
    "video_note": ("video_notes", ".mp4"),
}
MEDIA_KINDS = frozenset(_ID_PREFIX)
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files, as Telegram does


def _tiny_png() -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TINY_PNG = _tiny_png()
PLACEHOLDER_VOICE = b"OggS" + bytes(60)
PLACEHOLDER_STICKER = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)


def image_size(data: bytes | None) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image, or None when unknown."""
    if not data:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:4] == b"GIF8" and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 <= len(data) and data[i] == 0xFF:
            marker = data[i + 1]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
    return None


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    scale = min(1.0, box / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    file_path: str
    data: bytes | None = None
    url: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    sizes: list[dict[str, Any]] | None = None  # PhotoSize list shared by all sizes of a photo

    @property
    def size(self) -> int | None:
        return len(self.data) if self.data is not None else None

    def to_api(self) -> dict[str, Any]:
        """The Bot API object for this file (PhotoSize, Document, Voice, Sticker, ...)."""
        data: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        kind = self.kind
        if kind in ("photo", "sticker", "video", "animation"):
            data["width"] = self.width or 512
            data["height"] = self.height or 512
        if kind in ("voice", "video", "audio", "animation", "video_note"):
            data["duration"] = self.duration or 1
        if kind == "sticker":
            data.update(type="regular", is_animated=False, is_video=False)
        if kind == "video_note":
            data["length"] = self.width or 240
        if kind in ("document", "video", "audio", "animation") and self.file_name:
            data["file_name"] = self.file_name
        if kind not in ("photo", "sticker", "video_note") and self.mime_type:
            data["mime_type"] = self.mime_type
        if self.size is not None:
            data["file_size"] = self.size
        return data

    def to_file(self) -> dict[str, Any]:
        """The ``File`` object returned by getFile."""
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_path": self.file_path,
        }
        if self.size is not None:
            data["file_size"] = self.size
        return data


class FileStore:
    """All files known to the emulator, by file id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def add(
        self,
        kind: str,
        *,
        data: bytes | None = None,
        url: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
    ) -> StoredFile:
        self._counter += 1
        number = self._counter
        token = base64.urlsafe_b64encode(os.urandom(18)).decode().rstrip("=")
        file_id = f"{_ID_PREFIX.get(kind, 'BQACAgIAAxkBAA')}{number:06d}{token}"
        unique_id = f"AQAD{number:06d}{token[:8]}"
        folder, extension = _FOLDER.get(kind, ("documents", ""))
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1][:8]
        elif not extension and mime_type:
            extension = mimetypes.guess_extension(mime_type) or ""
        if kind == "document" and mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        if kind in ("photo", "sticker") and (width is None or height is None):
            width, height = image_size(data) or ((512, 512) if kind == "sticker" else (800, 600))
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            kind=kind,
            file_path=f"{folder}/file_{number}{extension}",
            data=data,
            url=url,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            duration=duration,
        )
        self._by_id[file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def photo_sizes(self, original: StoredFile) -> list[dict[str, Any]]:
        """PhotoSize list as Telegram returns it: a small thumbnail, then the big one.

        ``original`` is stored as the largest size; the thumbnail shares its bytes. Sending
        the same photo again (by any of its file ids) yields the same list.
        """
        if original.sizes is not None:
            return original.sizes
        width, height = original.width or 800, original.height or 600
        if max(width, height) > 1280:
            original.width, original.height = _fit(width, height, 1280)
        if max(width, height) <= 90:
            original.sizes = [original.to_api()]
            return original.sizes
        thumb_width, thumb_height = _fit(width, height, 90)
        thumb = self.add(
            "photo", data=original.data, url=original.url, width=thumb_width, height=thumb_height
        )
        sizes = [thumb.to_api(), original.to_api()]
        original.sizes = thumb.sizes = sizes
        return sizes
