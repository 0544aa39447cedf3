"""How the emulator turns parse_mode text into Telegram's plain text and entities."""

import pytest

from bot.sandbox.state import FormattingError, command_entities, parse_formatted, utf16_len


def test_html_tags_become_entities_with_utf16_offsets():
    text, entities = parse_formatted(
        "<b>Hi</b> 😀 <i>you <u>there</u></i> <a href='https://t.me/x'>link</a>", "HTML"
    )

    assert text == "Hi 😀 you there link"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 6, "length": 9},  # the emoji counts as two UTF-16 units
        {"type": "underline", "offset": 10, "length": 5},
        {"type": "text_link", "url": "https://t.me/x", "offset": 16, "length": 4},
    ]


def test_html_character_references_are_decoded():
    text, entities = parse_formatted("1 &lt; 2 &amp;&amp; <tg-spoiler>s</tg-spoiler>", "HTML")

    assert text == "1 < 2 && s"
    assert entities == [{"type": "spoiler", "offset": 9, "length": 1}]


def test_html_pre_with_language():
    text, entities = parse_formatted('<pre><code class="language-py">x = 1</code></pre>', "html")

    assert text == "x = 1"
    assert entities == [{"type": "pre", "language": "py", "offset": 0, "length": 5}]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("line<br/>break", 'Unsupported start tag "br"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_that_telegram_rejects_is_rejected(source, error):
    with pytest.raises(FormattingError, match=error.replace("(", r"\(")):
        parse_formatted(source, "HTML")


def test_markdown_v2_entities_and_escapes():
    text, entities = parse_formatted(
        r"*bold* _it_ __u__ ~s~ ||sp|| `a\`b` [link](https://e.com/a\)b) 1\.5", "MarkdownV2"
    )

    assert text == "bold it u s sp a`b link 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://e.com/a)b"


@pytest.mark.parametrize("source", ["Price: 1.5", "Hello!", "(note)", "a-b"])
def test_markdown_v2_rejects_unescaped_reserved_characters(source):
    with pytest.raises(FormattingError, match="is reserved and must be escaped"):
        parse_formatted(source, "MarkdownV2")


def test_markdown_v2_rejects_an_unclosed_entity():
    with pytest.raises(FormattingError, match="Can't find end of bold entity"):
        parse_formatted("*bold", "MarkdownV2")


def test_legacy_markdown_allows_punctuation():
    text, entities = parse_formatted("*Total:* 1.5! [site](https://e.com)", "Markdown")

    assert text == "Total: 1.5! site"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": 12, "length": 4, "url": "https://e.com"},
    ]


def test_no_parse_mode_keeps_text_as_is():
    assert parse_formatted("<b>1.5</b>", None) == ("<b>1.5</b>", [])


def test_command_entities_mark_commands_like_a_telegram_client():
    assert command_entities("/start ref_abc") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("see /help@shop_bot or a/b") == [
        {"type": "bot_command", "offset": 4, "length": 14}
    ]
    assert command_entities("no commands") == []


def test_utf16_len_counts_astral_characters_twice():
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("ж") == 1


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("1<2", 'Unsupported start tag "2" at byte offset 1'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<!-- note -->hi", 'Unsupported start tag "!--"'),
    ],
)
def test_html_treats_every_less_than_sign_as_a_tag(source, error):
    with pytest.raises(FormattingError, match=error):
        parse_formatted(source, "HTML")


def test_html_decodes_only_the_references_telegram_knows():
    text, _ = parse_formatted("&lt;b&gt; &amp; &quot; &#65;&#x42; &copy; AT&T", "HTML")

    assert text == '<b> & " AB &copy; AT&T'
