"""QR card images: the card's deep link as a PNG to send as a photo.

Error correction M (15 % of the code may be lost) tolerates a cracked phone screen or glare without
growing the code much; a card link (`https://t.me/<bot>?start=c_<40 chars>`, 67-94 characters
for a 5-32 character bot username) fits version 4 or 5 (33-37 modules). The 4-module quiet zone is
the minimum the QR specification asks for; 10 px per module gives a 410-450 px image that phone
cameras read from a screen at arm's length.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

BOX_SIZE = 10
BORDER = 4
PNG_COMPRESS_LEVEL = 1
MASK_PATTERN = 2
"""A fixed data mask. Left free, `qrcode` renders the symbol with all 8 masks and scores each
(the specification's penalty rules, which only make a symbol marginally easier to read): 85 % of
the time of a card (8.5 ms of 10 ms here). Any mask decodes; mask 2 (vertical stripes every third
column) breaks up the long runs a URL's bytes produce; tests decode the cards with zxing-cpp."""


def card_qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules for `url`, quiet zone included (True = dark); what `render_card_qr` draws."""
    return _build(url).get_matrix()  # type: ignore[no-any-return]


def render_card_qr(url: str) -> bytes:
    """A PNG of the QR code for `url`: black modules on white, BOX_SIZE px each.

    Drawn with Pillow directly rather than through `qrcode`'s image factory (which paints every
    module as a rectangle): a 1-bit image of one pixel per module, scaled by an exact integer
    factor with NEAREST (no interpolation: every box stays uniformly black or white), saved
    with a low zlib level, since a two-colour image compresses well at any level.
    """
    matrix = card_qr_matrix(url)
    size = len(matrix)
    # Mode "1" packs 8 pixels a byte, most significant bit first, 1 = white; each row is
    # padded to whole bytes.
    row_bytes = (size + 7) // 8
    packed = bytearray()
    for row in matrix:
        bits = 0
        for dark in row:
            bits = (bits << 1) | (not dark)
        bits <<= row_bytes * 8 - size
        packed += bits.to_bytes(row_bytes, "big")
    image = Image.frombytes("1", (size, size), bytes(packed))
    image = image.resize((size * BOX_SIZE, size * BOX_SIZE), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _build(url: str) -> qrcode.QRCode:
    if not url:
        raise ValueError("nothing to encode")
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M,
        box_size=BOX_SIZE,
        border=BORDER,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(url)
    code.make(fit=True)
    return code
