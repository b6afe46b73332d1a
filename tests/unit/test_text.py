"""clean_source_text turns a note field into what a provider should speak; field_has_* decide skip mode."""

from __future__ import annotations

import unicodedata

import pytest

from addon.core.text.cleaning import clean_source_text, field_has_image, field_has_sound


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        pytest.param("<b>bicycle</b>", "bicycle", id="bold"),
        pytest.param('<span style="color: red">red</span> <i>word</i>', "red word", id="span-italic"),
        pytest.param("<div>kitchen</div><div>table</div>", "kitchen table", id="divs-become-words"),
        pytest.param("kitchen&nbsp;table", "kitchen table", id="nbsp"),
        pytest.param("fish &amp; chips", "fish & chips", id="amp"),
        pytest.param("&lt;tag&gt; is text", "<tag> is text", id="lt-gt"),
        pytest.param("caf&eacute; &#233;t&#xE9;", "café été", id="named-and-numeric-entities"),
        pytest.param("one<br>two<br/>three<BR />four", "one two three four", id="br"),
        pytest.param("<script>alert('x')</script>word<style>p { color: red }</style>", "word", id="script-style"),
        pytest.param("{{c1::answer::hint}}", "answer", id="cloze-hint"),
        pytest.param("{{c1::answer}}", "answer", id="cloze"),
        pytest.param("The {{c1::cat}} sat on the {{c2::mat::thing}}", "The cat sat on the mat", id="two-clozes"),
        pytest.param("{{c12::<b>bold</b>::hint}}", "bold", id="cloze-with-html"),
        pytest.param("漢字[かんじ]", "漢字", id="furigana"),
        pytest.param("日本[にほん]語[ご]を 勉強[べんきょう]する", "日本語を勉強する", id="furigana-several"),
        pytest.param("apple [sound:apple.mp3]", "apple", id="sound-tag"),
        pytest.param("[sound:a.mp3][sound:b b.mp3]word", "word", id="sound-tags"),
        pytest.param("  a \n\t b  \r\n c ", "a b c", id="whitespace-folded"),
        pytest.param("a\x00b\x07c\x1bd\x7fe", "abcde", id="control-chars"),
        pytest.param("to\u00a0whisper", "to whisper", id="nbsp-character"),
        pytest.param("", "", id="empty"),
        pytest.param("<br><div> </div>&nbsp;", "", id="only-markup"),
        pytest.param("[sound:only.mp3]", "", id="only-sound"),
        pytest.param("a < b", "a < b", id="lone-less-than"),
        pytest.param("Tom & Jerry", "Tom & Jerry", id="lone-ampersand"),
    ],
)
def test_clean_source_text(field: str, expected: str) -> None:
    assert clean_source_text(field) == expected


def test_tabs_and_newlines_inside_html_fold_to_single_spaces() -> None:
    assert clean_source_text("<ul>\n  <li>one</li>\n\t<li>two</li>\n</ul>") == "one two"


def test_nfc_normalisation() -> None:
    decomposed = "cafe\u0301 man\u0303ana"  # e + combining acute, n + combining tilde
    cleaned = clean_source_text(decomposed)
    assert cleaned == "café mañana"
    assert unicodedata.is_normalized("NFC", cleaned)
    assert len(cleaned) == len("café mañana")


def test_nfc_normalisation_through_html() -> None:
    assert clean_source_text("<i>cafe\u0301</i>") == "caf\u00e9"


def test_html_is_not_executed_or_kept_as_attributes() -> None:
    cleaned = clean_source_text('<img src="x.png" onerror="alert(1)">picture <a href="https://e.org">link</a>')
    assert cleaned == "picture link"


@pytest.mark.parametrize("field", ["R&D", "AT&T"])
def test_bare_ampersand_at_end_of_field_is_kept(field: str) -> None:
    assert clean_source_text(field) == field


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[sound:apple.mp3]", True),
        ("apple [sound:a b.mp3] more", True),
        ("[sound:]", True),
        ("", False),
        ("apple", False),
        ("sound:apple.mp3", False),
        ("[sound apple.mp3]", False),
        ('<img src="a.png">', False),
    ],
)
def test_field_has_sound(value: str, expected: bool) -> None:
    assert field_has_sound(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('<img src="a.png">', True),
        ("<IMG SRC='a.png'>", True),
        ('text <img\nsrc="a.png"> text', True),
        ("", False),
        ("img", False),
        ("[sound:a.mp3]", False),
        ("&lt;img src=a.png&gt;", False),
    ],
)
def test_field_has_image(value: str, expected: bool) -> None:
    assert field_has_image(value) is expected
