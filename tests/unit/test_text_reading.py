"""Text as a voice should read it: math found and dropped, block elements read as sentence breaks,
long picture queries cut at a word, fragments recognised; on samples shaped like the real decks of
issue 19 (a machine-learning deck with MathJax and lists, Japanese with furigana, German clozes)."""

from __future__ import annotations

import time

import pytest

from addon.core.text.cleaning import clean_source_text
from addon.core.text.formulas import math_spans, without_math
from addon.core.text.reading import cut_at_word, is_fragment, what_else_it_holds

# Shaped like the machine-learning deck's answers.
LIST_ANSWER = (
    "<ul><li>More training data available</li><li>More computation available</li>"
    "<li>Better algorithms, e.g. ReLU.</li></ul>"
)
EM_ANSWER = "<div>The E step is a special case of EM</div><ul><li>EM is harder to parallelise</li></ul>"
INLINE_MATHJAX = r"The expectation \(\mathbb{E}_p[f(x)]\) is taken over \(p\)."
DISPLAY_MATHJAX = (
    r"The kernel matrix is<br>\[\mathbf{K}=\left(\begin{array}{ccc}k(x_1,x_1) & \cdots & k(x_1,x_N)\\"
    r"\vdots & \ddots & \vdots\\k(x_N,x_1) & \cdots & k(x_N,x_N)\end{array}\right)\]"
)
DOLLAR_MATH = r"<div>$\mathbb{K}^{M}$ is the feature space</div>"
LATEX_TAGS = "[latex]\\sum_{i=1}^{n} x_i[/latex] adds up, [$]a^2[/$] squares and [$$]\\int f[/$$] integrates"


@pytest.mark.parametrize(
    ("field", "read"),
    [
        pytest.param(
            LIST_ANSWER,
            "More training data available. More computation available. Better algorithms, e.g. ReLU.",
            id="list-items-are-sentences",
        ),
        pytest.param(
            EM_ANSWER, "The E step is a special case of EM. EM is harder to parallelise", id="no-EM-EM-run-on"
        ),
        pytest.param("one<br>two<br/>three", "one. two. three", id="br"),
        pytest.param(
            "<table><tr><td>der Hund</td><td>the dog</td></tr><tr><td>die Katze</td></tr></table>",
            "der Hund. the dog. die Katze",
            id="table-cells-and-rows",
        ),
        pytest.param("<h1>Title</h1><p>Body text!</p><p>Next?</p>", "Title. Body text! Next?", id="punctuation-kept"),
        pytest.param(
            '<div>He said "no."</div><div>(London)</div><div>x</div>', 'He said "no." (London). x', id="closers"
        ),
        pytest.param(
            "<div>日本[にほん]語[ご]</div><div>勉強[べんきょう]する</div>", "日本語。 勉強する", id="japanese-full-stop"
        ),
        pytest.param("<div>first,</div><div>second</div>", "first, second", id="comma-is-a-pause"),
        pytest.param("<b>un</b>believable <i>word</i>", "unbelievable word", id="inline-elements-are-not-breaks"),
        pytest.param('cat<img src="cat.png">dog', "cat dog", id="a-picture-is-not-a-line-break"),
        pytest.param("<div><div></div><br><div> </div></div>word<br>", "word", id="empty-lines-vanish"),
        pytest.param("Die {{c1::Abfahrt}} ist um<br>{{c2::10 Uhr}}", "Die Abfahrt ist um. 10 Uhr", id="german-cloze"),
    ],
)
def test_block_elements_are_read_as_sentence_breaks(field: str, read: str) -> None:
    assert clean_source_text(field, pauses=True) == read


def test_without_pauses_block_elements_are_still_a_space() -> None:
    assert clean_source_text(EM_ANSWER) == "The E step is a special case of EM EM is harder to parallelise"


@pytest.mark.parametrize(
    ("field", "kept"),
    [
        pytest.param(INLINE_MATHJAX, "The expectation is taken over.", id="mathjax-inline"),
        pytest.param(DISPLAY_MATHJAX, "The kernel matrix is.", id="mathjax-display-array"),
        pytest.param(DOLLAR_MATH, "is the feature space", id="dollars"),
        pytest.param(LATEX_TAGS, "adds up, squares and integrates", id="latex-tags"),
        pytest.param(r"$$\frac{a}{b}$$ is a fraction", "is a fraction", id="double-dollars"),
        pytest.param(r"Let $x$ be a point", "Let be a point", id="one-letter-dollars"),
        pytest.param(r"the mean \(\mu\). Next, the variance", "the mean. Next, the variance", id="full-stop-kept"),
        pytest.param(r"\(x\), then y", "then y", id="leading-comma-dropped"),
        pytest.param(r"a value (\(x\)) here", "a value here", id="brackets-round-math"),
    ],
)
def test_math_is_dropped(field: str, kept: str) -> None:
    assert without_math(clean_source_text(field, pauses=True)) == kept


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 or $10",
        "US$5 and C$10",
        "$5-$10 a day",
        "between $ 5 and $ 10",
        "$100 and $200$",  # "$200$": after "and " — its content "100 and 200"… is not math
        "US$1=$1.35",  # "1=" looks like math, but the closing "$" is followed by a digit
        r"an unclosed \( opener",
        "[latex] never closed",
        "a \\) closer alone",
    ],
)
def test_prices_and_unclosed_openers_are_text(text: str) -> None:
    assert math_spans(text) == []
    assert without_math(text) == text


def test_an_opener_never_closed_does_not_hide_the_math_after_it() -> None:
    assert without_math(r"a \( b and $x^2$ c") == r"a \( b and c"


def test_delimiters_inside_a_formula_belong_to_it() -> None:
    text = r"see \[ a \\[2pt] b $ c \] and \(y\)"
    assert [text[start:end] for start, end in math_spans(text)] == [r"\[ a \\[2pt] b $ c \]", r"\(y\)"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", True), (",", True), ("x", True), (". ,", True), ("is", False), ("期待", False), ("42", False)],
)
def test_a_fragment_has_fewer_than_two_letters_or_digits(text: str, fragment: bool) -> None:
    assert is_fragment(text) is fragment


# A 2,435-character paragraph, like the longest answer of the machine-learning deck.
PARAGRAPH = " ".join(f"sentence{i} about the expectation maximisation algorithm," for i in range(60))[:2435]


def test_a_long_picture_query_is_cut_at_a_word() -> None:
    assert len(PARAGRAPH) == 2435
    assert PARAGRAPH[202:204] == "xi", "the limit must fall inside a word"
    cut = cut_at_word(PARAGRAPH, 203)
    assert len(cut) <= 203
    assert PARAGRAPH.startswith(cut)
    assert PARAGRAPH[len(cut)] == " ", "cut inside a word"
    assert not cut.endswith(","), "a dangling comma was left"


def test_a_short_query_is_left_whole() -> None:
    assert cut_at_word("die Abfahrt", 200) == "die Abfahrt"


def test_a_query_is_never_cut_inside_a_formula() -> None:
    text = "word " * 30 + r"\(\sum_{i=1}^{n} x_i + y_i\)" + " tail" * 20
    spans = math_spans(text)
    cut = cut_at_word(text, 160, formulas=spans)
    assert cut == ("word " * 30).strip()


def test_a_text_without_spaces_is_cut_at_the_limit_but_not_before_a_combining_mark() -> None:
    assert cut_at_word("日本語を勉強する" * 40, 200) == ("日本語を勉強する" * 40)[:200]
    text = "e\u0301" * 150  # NFD on purpose: every other character is a combining mark
    cut = cut_at_word(text, 201)  # the limit falls between an "e" and its accent: both are left out
    assert cut == "e\u0301" * 100


@pytest.mark.parametrize(
    ("field", "held"),
    [
        ('<img src="diagram.png">', "a picture"),
        ('<div><img src="a.png"><img src="b.png"></div>', "a picture"),
        ("[sound:word.mp3]", "a sound"),
        ('<img src="a.png"> [sound:a.mp3]', "a picture and a sound"),
        ("", ""),
        ("<br>&nbsp;", ""),
    ],
)
def test_what_a_field_without_text_holds(field: str, held: str) -> None:
    assert clean_source_text(field) == ""
    assert what_else_it_holds(field) == held


@pytest.mark.parametrize(
    "text",
    [
        "\\(" * 50_000,
        "\\(x" * 25_000 + "\\)",
        "$" * 100_000,
        "$a " * 30_000,
        "[latex]" * 15_000,
        "(\\(x\\))" * 15_000,
        "(" * 50_000 + "\\(x\\))" * 10_000,
    ],
    ids=["unclosed-parens", "many-openers-one-closer", "dollars", "dollar-words", "latex-openers", "bracketed", "deep"],
)
def test_math_takes_linear_time_on_hostile_sizes(text: str) -> None:
    started = time.perf_counter()
    without_math(text)
    cut_at_word(text, 200, formulas=math_spans(text))
    assert time.perf_counter() - started < 2.0
