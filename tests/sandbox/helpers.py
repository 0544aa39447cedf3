"""Small things the sandbox tests share."""

import asyncio
import inspect
import struct
import zlib
from collections.abc import Callable
from typing import Any


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid PNG of the given size (red pixels), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress((b"\x00" + b"\xff\x00\x00" * width) * height)
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header), chunk(b"IDAT", pixels), chunk(b"IEND", b"")]
    )


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until `check()` (sync or async) is true; fail after `timeout` seconds.

    For state that another task reaches on its own schedule (a webhook retry, a long poll
    arriving at the server), instead of sleeping for a guessed time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"not true within {timeout}s: {check}")
        await asyncio.sleep(0.01)
