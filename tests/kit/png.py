"""Reading a PNG's structure with the standard library: the charts' tests check that a file is a
whole, valid PNG (signature, every chunk's CRC, IHDR first, IEND last) and read its text chunks
(the chart's title is stored as `Title`)."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk; AssertionError if the file is not a valid PNG."""
    assert data.startswith(SIGNATURE), "no PNG signature"
    chunks: list[tuple[bytes, bytes]] = []
    offset = len(SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert len(payload) == length, f"chunk {kind!r} is cut short"
        assert zlib.crc32(kind + payload) == crc, f"chunk {kind!r} has a bad CRC"
        chunks.append((kind, payload))
        offset += 12 + length
    assert chunks and chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png_chunks(data)[0][1][:8])
    return width, height


def png_text(data: bytes) -> dict[str, str]:
    """The text chunks: tEXt (Latin-1) and iTXt (UTF-8, uncompressed or zlib)."""
    texts: dict[str, str] = {}
    for kind, payload in png_chunks(data):
        if kind == b"tEXt":
            key, _, value = payload.partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = payload.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, value = rest.partition(b"\0")
            texts[key.decode("latin-1")] = (zlib.decompress(value) if compressed else value).decode(
                "utf-8"
            )
    return texts
