"""The broadcast rules: segment input, draft validation, the content the outbox renders."""

from __future__ import annotations

import pytest

from bot.domain.broadcasts import (
    BroadcastDraft,
    Segment,
    SegmentKind,
)
from bot.domain.delivery import Button
from bot.domain.errors import InvalidInput


def test_segments_parse_their_argument() -> None:
    assert Segment.parse("all", "ignored") == Segment(SegmentKind.ALL)
    assert Segment.parse("new", " 07 ") == Segment(SegmentKind.NEW, "7")
    assert Segment.parse("tier", "Gold") == Segment(SegmentKind.TIER, "gold")


@pytest.mark.parametrize(
    ("kind", "argument"),
    [("everyone", None), ("new", "0"), ("new", "x"), ("new", "9999"), ("tier", "go ld")],
)
def test_bad_segments_are_refused(kind: str, argument: str | None) -> None:
    with pytest.raises(InvalidInput):
        Segment.parse(kind, argument)


def test_a_draft_needs_text_and_at_most_one_https_button() -> None:
    segment = Segment(SegmentKind.ALL)
    for bad in (
        {"text": " "},
        {"text": "x" * 1025},
        {"text": "hi", "button_url": "http://example.com"},
        {"text": "hi", "button_url": "https://a.b", "offer_code": "coffee20"},
    ):
        with pytest.raises(InvalidInput):
            BroadcastDraft(segment, **bad)  # type: ignore[arg-type]


def test_the_content_carries_the_owners_text_photo_and_button() -> None:
    draft = BroadcastDraft(Segment(SegmentKind.ALL), "<b>Hi</b>", "FILE", "https://a.b/c")
    content = draft.content()
    assert (content.key, dict(content.variables)) == ("broadcast-text", {"text": "<b>Hi</b>"})
    assert content.photo == "tg:FILE"
    assert content.buttons == ((Button("broadcast-button-link", url="https://a.b/c"),),)
    offer = BroadcastDraft(Segment(SegmentKind.VIP), "Hi", offer_code="coffee20").content()
    assert offer.buttons[0][0].callback_data == "offers:show"
