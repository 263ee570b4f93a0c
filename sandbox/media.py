"""Stored files (uploads and user media) and the Bot API objects describing them."""

from __future__ import annotations

import mimetypes
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from sandbox.errors import ApiError, bad_request

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
# Thumbnail boxes Telegram generates for photos, smallest first.
PHOTO_BOXES = (90, 320, 800, 1280)
# Prefixes make ids look like (and be as opaque as) Telegram's; only the sandbox reads them.
_ID_PREFIX = {"document": "BQACAgI", "photo": "AgACAgI", "sticker": "CAACAgI",
              "voice": "AwACAgI"}
_FOLDER = {"document": "documents", "photo": "photos", "sticker": "stickers",
           "voice": "voice"}


@dataclass
class StoredFile:
    """One file id: bytes plus what the Bot API reports about them."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def file_object(self) -> dict[str, Any]:
        """The ``File`` object getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }

    def document(self) -> dict[str, Any]:
        """The ``Document`` object of a message."""
        doc: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        doc["file_size"] = self.size
        return doc

    def photo_size(self) -> dict[str, Any]:
        """One ``PhotoSize`` entry."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }


class FileStore:
    """Every file the sandbox knows, by file id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_groups: dict[str, list[StoredFile]] = {}
        self._counter = 0

    def add(self, kind: str, data: bytes, **details: Any) -> StoredFile:
        """Store ``data`` under a fresh file id."""
        self._counter += 1
        name = details.get("file_name") or ""
        extension = _extension(kind, name, details.get("mime_type"))
        stored = StoredFile(
            file_id=f"{_ID_PREFIX[kind]}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(9)}",
            kind=kind,
            data=data,
            file_path=f"{_FOLDER[kind]}/file_{self._counter}{extension}",
            **details,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """The file with this id, if any."""
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        """The file served at ``/file/bot<token>/<path>``, if any."""
        return self._by_path.get(path)

    def require(self, file_id: str, kind: str) -> StoredFile:
        """Resolve a file id sent by the bot, failing as Telegram does."""
        stored = self._by_id.get(file_id)
        if stored is None:
            if file_id.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request("type of file mismatch")
        return stored

    def add_document(self, data: bytes, file_name: str, mime_type: str | None) -> StoredFile:
        """Store an uploaded document, enforcing Telegram's size rules."""
        check_upload_size(data, MAX_UPLOAD_BYTES)
        guessed = mimetypes.guess_type(file_name)[0]
        return self.add("document", data, file_name=file_name, mime_type=guessed or mime_type)

    def check_photo(self, data: bytes) -> tuple[int, int]:
        """Validate an uploaded photo as Telegram does; returns its width and height."""
        check_upload_size(data, MAX_PHOTO_BYTES)
        dimensions = image_size(data)
        if dimensions is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = dimensions
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        return width, height

    def add_photo(self, data: bytes) -> list[StoredFile]:
        """Store an uploaded photo as Telegram's list of sizes (smallest first)."""
        width, height = self.check_photo(data)
        return self.photo_sizes(data, width, height)

    def photo_sizes(self, data: bytes, width: int, height: int) -> list[StoredFile]:
        """Thumbnails plus the original; they share bytes since nothing is resampled."""
        sizes = []
        longest = max(width, height)
        for box in (*[b for b in PHOTO_BOXES if b < longest], longest):
            scale = box / longest
            size = self.add(
                "photo",
                data,
                width=max(1, round(width * scale)),
                height=max(1, round(height * scale)),
                mime_type="image/jpeg",
            )
            sizes.append(size)
        for size in sizes:
            self._photo_groups[size.file_id] = sizes
        return sizes

    def photo_group(self, file_id: str) -> list[StoredFile]:
        """All sizes of the photo one of whose file ids is ``file_id``."""
        return self._photo_groups.get(file_id) or [self._by_id[file_id]]


def check_upload_size(data: bytes, limit: int) -> None:
    """Reject empty and oversized uploads as Telegram does."""
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > limit:
        raise ApiError(413, "Request Entity Too Large")


def _extension(kind: str, name: str, mime_type: str | None) -> str:
    if kind == "photo":
        return ".jpg"
    if kind == "sticker":
        return ".webp"
    if "." in name:
        return "." + name.rsplit(".", 1)[1]
    return mimetypes.guess_extension(mime_type or "") or ""


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None if it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        # SOF0..SOF15 carry the frame size; C4 (DHT), C8 and CC (DAC) do not.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return (width, height) if width and height else None
        index += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def make_png(width: int, height: int, rgb: tuple[int, int, int] = (80, 160, 220)) -> bytes:
    """A valid solid-colour PNG, used as the bytes of photos that sandbox users send."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
