"""Properties of `clean_source_text` (and `printable_text`) over generated fields.

What holds for every field, however garbled:

* the result is one clean line: no control character, lone surrogate or invisible format
  character, NFC, single spaces, none at either end;
* canonically equivalent fields (NFC, NFD) clean to the same text;
* a field of well-formed HTML cleans to exactly the text a browser shows (a model of the tree):
  no tag, attribute, script or style survives, block elements separate words, inline ones do not;
  cleaned with pauses (as a voice reads it), to the lines a browser shows joined as sentences: a
  full stop after each line that does not end in punctuation, never two lines run together.

All of these hold with and without pauses.

Idempotence does NOT hold in general, and must not: cleaning decodes character references, so
``&lt;b&gt;x`` (the text a user typed, shown as ``<b>x``) cleans to ``<b>x``, which cleaned again
is ``x``; ``&#123;&#123;c1::a}}`` becomes a cloze only after decoding. The invariant that holds:
a cleaned text with no markup character left (``<``, ``&``, ``[``, ``{``) is a fixed point, and
on a text without markup characters cleaning is just "drop controls and invisible characters,
fold whitespace, NFC".
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from addon.core.text.cleaning import CLOSING_MARKS, SENTENCE_ENDINGS, clean_source_text, printable_text
from tests.hostile.hostile_checks import INVISIBLE, assert_clean_text

EXAMPLES = 250
MARKUP_CHARACTERS = "<&[{"

# Any code point, lone surrogates included (a JSON word list can hold one).
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
# Pieces that make cleaning work hard: tags, comments, references, clozes, furigana, sound tags,
# controls, bidi overrides, combining marks and their precomposed forms.
FRAGMENTS = [
    "<", ">", "</", "/>", "<b>", "</b>", "<div>", "</div>", "<br>", "<p>", "<script>", "</script>", "<style>",
    "</style>", "<rt>", "</rt>", "<template>", "<!--", "-->", "--!>", "<!-->", "<![CDATA[", "]]>", "<?", "<!x>",
    '<img src="x" onerror="alert(1)">', "<a href='javascript:x'>", "&", "&amp;", "&lt;", "&gt;", "&#", "&#0;",
    "&#x202e;", "&#xd800;", "&nbsp;", ";", "{{c1::", "{{c2::", "::", "}}", "{", "}", "[", "]", "[sound:", "sound",
    "漢字", "かんじ", "か\u3099", "が", "e\u0301", "é", "<\u0338", "≮", " ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f",
    "\x85", "\x9b", "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad", "\ud800", "\udfff", "\U0001f468",
    "../", "..\\", "/", "CON", "a", "Z", "1",
]  # fmt: skip
HOSTILE_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHARACTER, max_size=4)), max_size=40).map(
    "".join
)
FIELDS = st.one_of(HOSTILE_TEXT, st.text(ANY_CHARACTER, max_size=60))


@settings(max_examples=EXAMPLES, deadline=None)
@given(FIELDS)
@example("<b\x00>word</b>")
@example("word<!-- never closed")
@example("\ud800")
@example("{{c1::" * 50 + "x" + "}}" * 50)
def test_cleaning_always_gives_one_clean_line(field: str) -> None:
    assert_clean_text(clean_source_text(field))
    assert_clean_text(clean_source_text(field, pauses=True))


@settings(max_examples=EXAMPLES, deadline=None)
@given(FIELDS)
@example("<\u0338b>word")
@example("<b\u226f word")  # NFD: "<b>\u0338 word", a tag
@example("\u212b<b>x</b>\u037e")
def test_canonically_equivalent_fields_clean_alike(field: str) -> None:
    for pauses in (False, True):
        cleaned = clean_source_text(field, pauses=pauses)
        assert clean_source_text(unicodedata.normalize("NFD", field), pauses=pauses) == cleaned
        assert clean_source_text(unicodedata.normalize("NFC", field), pauses=pauses) == cleaned


@settings(max_examples=EXAMPLES, deadline=None)
@given(FIELDS)
def test_a_cleaned_text_without_markup_characters_is_a_fixed_point(field: str) -> None:
    cleaned = clean_source_text(field)
    if not any(ch in cleaned for ch in MARKUP_CHARACTERS):
        assert clean_source_text(cleaned) == cleaned


PLAIN = st.text(st.characters(codec=None, exclude_categories=(), exclude_characters=MARKUP_CHARACTERS), max_size=80)


def _plain_model(text: str) -> str:
    """Cleaning of a text without markup characters: controls, surrogates and invisible format
    characters dropped (whitespace controls folded like spaces), NFC."""
    kept = "".join(
        ch for ch in unicodedata.normalize("NFC", text) if ch not in INVISIBLE and unicodedata.category(ch) != "Cs"
    )
    kept = "".join(ch for ch in kept if ch.isspace() or unicodedata.category(ch) != "Cc")
    return unicodedata.normalize("NFC", " ".join(kept.split()))


@settings(max_examples=EXAMPLES, deadline=None)
@given(PLAIN)
@example("a\x0bb\x1cc\x85d")
@example("e\x00\u0301")
def test_a_text_without_markup_characters_only_loses_controls_and_extra_whitespace(text: str) -> None:
    assert clean_source_text(text) == clean_source_text(text, pauses=True) == _plain_model(text)


def test_cleaning_is_not_idempotent_on_escaped_markup() -> None:
    """The reason idempotence is not a property: a reference decodes to markup the user sees as
    text, and a second cleaning would take that text for markup."""
    once = clean_source_text("&lt;b&gt;bold&lt;/b&gt; &#123;&#123;c1::a}}")
    assert once == "<b>bold</b> {{c1::a}}"
    assert clean_source_text(once) == "bold a"


# --- well-formed HTML against a model of what a browser shows -------------------------------------

INLINE = ["b", "i", "u", "span", "em", "strong", "a", "font", "sub", "ruby"]
BLOCK = ["div", "p", "li", "td", "h1", "blockquote", "pre", "section"]
DROPPED = ["script", "style", "template", "rt", "rp"]
RAW_TEXT = ("script", "style")
# Text nodes: no markup characters, no controls (dropped anyway), no quotes (they close attributes).
WORDS = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Cf"), exclude_characters=MARKUP_CHARACTERS + ">]}\"'"
    ),
    max_size=12,
)
ATTRIBUTES = st.lists(
    st.tuples(st.sampled_from(["onerror", "onclick", "style", "title", "href", "data-x"]), WORDS), max_size=2
).map(lambda pairs: "".join(f' {name}="{value}"' for name, value in pairs))


@st.composite
def html_trees(draw: st.DrawFn, depth: int = 0) -> tuple[str, str, str]:
    """(markup, what a browser shows of it before whitespace is folded, the same with each line
    break marked by LINE_BREAK)."""
    if depth >= 4 or draw(st.booleans()):
        text = draw(WORDS)
        return text, text, text
    name = draw(st.sampled_from(INLINE + BLOCK + DROPPED + ["br", "img"]))
    attributes = draw(ATTRIBUTES)
    if name in ("br", "img"):
        return f"<{name}{attributes}>", " ", LINE_BREAK if name == "br" else " "
    # Script and style hold raw text up to the first end tag: no elements inside.
    children = draw(st.lists(WORDS.map(lambda w: (w, w, w)) if name in RAW_TEXT else html_trees(depth + 1), max_size=3))
    markup = f"<{name}{attributes}>" + "".join(m for m, _, _ in children) + f"</{name}>"
    if name in DROPPED:
        return markup, "", ""
    shown = "".join(s for _, s, _ in children)
    read = "".join(r for _, _, r in children)
    if name in BLOCK:
        return markup, f" {shown} ", f"{LINE_BREAK}{read}{LINE_BREAK}"
    return markup, shown, read


LINE_BREAK = "\x00"  # not in WORDS (no controls)


def _read_model(read: str) -> str:
    """The lines of ``read`` (split at LINE_BREAK), blank ones left out, joined by a space after a
    full stop ("。" after Japanese or Chinese) where a line does not end in punctuation (closing
    quotes and brackets aside)."""
    lines = [unicodedata.normalize("NFC", " ".join(line.split())) for line in read.split(LINE_BREAK)]
    joined = ""
    for line in filter(None, lines):
        if joined:
            end = len(joined)
            while end and (joined[end - 1] in CLOSING_MARKS or unicodedata.category(joined[end - 1]) in ("Pe", "Pf")):
                end -= 1
            last = joined[end - 1 : end]
            stop = "" if last and last in SENTENCE_ENDINGS else "。" if re.match(CJK, last) else "."
            joined += stop + " "
        joined += line
    return unicodedata.normalize("NFC", joined)


CJK = r"[\u3005\u3006\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(html_trees(), min_size=1, max_size=4))
@example([("<b>un</b>believable", "unbelievable", "unbelievable")])
@example([("<div>a</div><div>b</div>", " a  b ", "\x00a\x00\x00b\x00")])
@example(
    [
        (
            "<li>case of EM</li><li>EM is harder</li>",
            " case of EM  EM is harder ",
            "\x00case of EM\x00\x00EM is harder\x00",
        )
    ]
)
@example([("<p>Done.</p><p>(see)</p>x", " Done.  (see) x", "\x00Done.\x00\x00(see)\x00x")])
def test_well_formed_html_cleans_to_what_a_browser_shows(trees: list[tuple[str, str, str]]) -> None:
    markup = "".join(m for m, _, _ in trees)
    shown = unicodedata.normalize("NFC", " ".join("".join(s for _, s, _ in trees).split()))
    cleaned = clean_source_text(markup)
    assert cleaned == shown
    assert not re.search(r"[<>]", cleaned)
    assert "alert" not in cleaned or "alert" in shown
    assert clean_source_text(markup, pauses=True) == _read_model("".join(r for _, _, r in trees))


# --- printable_text (a server's credit line) ----------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(ANY_CHARACTER, max_size=80))
@example("\x00\x1b[31mred\u202eevil\ud800\r\n")
def test_printable_text_is_one_clean_line_and_keeps_markup_as_text(value: str) -> None:
    printable = printable_text(value)
    assert_clean_text(printable)
    if "<" in value:
        assert printable.count("<") == value.count("<")  # escaping is the caller's job
