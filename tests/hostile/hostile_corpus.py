"""The hostile input corpus: field texts that every step of a job must survive (issue 9).

Each `Case` is one note field's text: what a user might paste, what another add-on or a shared deck
may leave behind, or what an attacker would try. The planner, the file naming and the store step
into a real collection are run on every case (``test_hostile_planner.py``,
``test_hostile_sync.py``); the expectations here say what the cleaned text (the text a provider
is sent) must keep (``kept``) and must have lost (``gone``), and whether nothing is left
(``empty``: the planner skips the note).

``in_anki`` is False for the cases Anki itself refuses to store in a field (a lone surrogate cannot
be encoded): they reach the planner only through a word list or memory, never through a note.
``big`` marks the size-scaled cases (100,000 characters and more): a pattern with catastrophic
backtracking would hang on them, so they would stall the suite rather than pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    field: str
    exercises: str
    kept: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    empty: bool = False
    in_anki: bool = True
    big: bool = False


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
ENGLAND_FLAG = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
SCRIPT = "<script>alert(1)</script>"

CASES: list[Case] = [
    # --- HTML, scripts, styles, event handlers -------------------------------------------------------
    Case("script-tag", f"{SCRIPT}word", "script content is never spoken", ("word",), ("alert", "script")),
    Case("script-upper-case", "<SCRIPT>alert(1)</SCRIPT>word", "tag names are case-insensitive", ("word",), ("alert",)),
    Case("script-unclosed", "word<script>alert(1)", "a script never closed", ("word",), ("alert", "<")),
    Case("script-in-svg", f"<svg>{SCRIPT}</svg>word", "script inside foreign content", ("word",), ("alert",)),
    Case(
        "style-tag",
        "<style>body{display:none}</style>word",
        "style content is never spoken",
        ("word",),
        ("display", "{"),
    ),
    Case("template-tag", "<template><b>hidden</b></template>word", "template content is inert", ("word",), ("hidden",)),
    Case(
        "img-onerror",
        '<img src=x onerror="alert(1)">word',
        "event handler attribute",
        ("word",),
        ("alert", "onerror", "<"),
    ),
    Case("svg-onload", "<svg onload=alert(1)>word</svg>", "event handler on svg", ("word",), ("alert", "onload")),
    Case("body-onload", "<body onload=alert(1)>word</body>", "event handler on body", ("word",), ("alert",)),
    Case(
        "many-handlers",
        '<div onclick="x()" onmouseover=\'y()\' data-x="<script>">word</div>',
        "several handlers and markup inside a quoted attribute",
        ("word",),
        ("x()", "y()", "script", "<"),
    ),
    Case(
        "javascript-href",
        '<a href="javascript:alert(1)">word</a>',
        "javascript: link",
        ("word",),
        ("javascript", "alert"),
    ),
    Case(
        "iframe-srcdoc", f'<iframe srcdoc="{SCRIPT}">word</iframe>', "script inside an attribute", ("word",), ("alert",)
    ),
    Case(
        "style-attribute",
        '<span style="background:url(javascript:alert(1))">word</span>',
        "CSS in an attribute",
        ("word",),
        ("javascript", "url("),
    ),
    Case(
        "data-uri-image",
        '<img src="data:image/png;base64,iVBORw0KGgo=">word',
        "data: URI in an img",
        ("word",),
        ("base64", "data:"),
    ),
    Case("comment-with-script", f"wo<!-- {SCRIPT} -->rd", "markup inside a comment", ("word",), ("alert",)),
    Case("comment-unclosed", "word<!-- never closed", "a comment never closed", ("word",), ("never",)),
    Case("comment-abrupt", "wo<!-->rd<!--->s", "comments a browser ends at once", ("words",), ("<", ">")),
    Case("comment-bang-close", "wo<!-- x --!>rd", "a comment ended with --!>", ("word",), ("x", "<")),
    Case("comment-flood", "<!--" * 50000, "50,000 comment openers", empty=True, big=True),
    Case("doctype-and-pi", '<!DOCTYPE html><?xml version="1.0"?>word', "declarations", ("word",), ("DOCTYPE", "xml")),
    Case(
        "cdata", "wo<![CDATA[ alert(1) ]]>rd", "a CDATA section (a hidden bogus comment in HTML)", ("word",), ("alert",)
    ),
    Case("nested-brackets", "<<b>>word<</b>>", "angle brackets around tags", ("word",), ("<b>", "</b>")),
    Case("nul-inside-tag", "<b\x00>word</b>", "a NUL that hides a tag from the parser", ("word",), ("<", ">")),
    Case(
        "split-script-tag",
        "<scr<script>ipt>alert(1)</script>",
        "a tag name that hides another tag",
        ("ipt>alert(1)",),
        ("<",),
    ),
    Case(
        "deep-nesting", "<div>" * 5000 + "word" + "</div>" * 5000, "5,000 nested elements", ("word",), ("<",), big=True
    ),
    Case("unclosed-tags", "<b>" * 30000 + "word", "30,000 unclosed tags", ("word",), ("<",), big=True),
    Case("many-small-tags", "<b>w</b> " * 20000, "20,000 tags", ("w w w",), ("<",), big=True),
    Case("lone-angle-brackets", "<" * 100_000, "100,000 '<' that start no tag", ("<<<<",), big=True),
    Case("markup-only", "<div><br></div><p></p>", "tags and nothing else", empty=True),
    # --- Cloze ---------------------------------------------------------------------------------------
    Case("cloze", "{{c1::Paris}} is in France", "one cloze", ("Paris is in France",), ("{{", "c1")),
    Case("cloze-hint", "{{c1::Paris::capital}}", "a cloze hint is not spoken", ("Paris",), ("capital", "::")),
    Case(
        "cloze-nested",
        "{{c1::outer {{c2::inner {{c3::core::h3}}::h2}} text::h1}}",
        "three nested clozes",
        ("outer inner core text",),
        ("{{", "h1", "h2", "h3"),
    ),
    Case("cloze-unclosed", "{{c1::never closed", "an unclosed cloze stays text", ("{{c1::never closed",)),
    Case("cloze-unclosed-many", "{{c1::" * 20000, "20,000 unclosed clozes", ("{{c1::{{c1::",), big=True),
    Case(
        "cloze-hints-unclosed-many", "{{c1::a::" * 20000, "20,000 unclosed clozes with hints", ("{{c1::a::",), big=True
    ),
    Case(
        "cloze-nested-huge",
        "{{c1::" * 12500 + "x" + "::h}}" * 12500,
        "12,500 clozes nested in each other",
        ("x",),
        ("{{", "h"),
        big=True,
    ),
    Case("cloze-deep", "{{c1::" * 300 + "x" + "}}" * 300, "300 clozes nested in each other", ("x",), ("{{",)),
    Case("cloze-script", f"{{{{c1::{SCRIPT}word}}}}", "a script inside a cloze", ("word",), ("alert",)),
    Case(
        "cloze-hint-markup",
        "{{c1::word::<img src=x onerror=alert(1)>}}",
        "markup in a cloze hint",
        ("word",),
        ("alert", "<"),
    ),
    Case("cloze-empty", "{{c1::}}", "an empty cloze", empty=True),
    Case("cloze-path", "{{c1::../../etc/passwd}}", "a path in a cloze", ("../../etc/passwd",), ("{{",)),
    Case(
        "cloze-huge-number", "{{c99999999999999999999::word}}", "a cloze number beyond any integer", ("word",), ("{{",)
    ),
    Case(
        "cloze-malformed",
        "{{c1:word}} {{c::word}} {c1::word}",
        "near-cloze syntax stays text",
        ("{{c1:word}}", "{{c::word}}"),
    ),
    Case("cloze-triple-braces", "{{{c1::word}}}", "braces around a cloze", ("{word}",)),
    # --- Furigana ------------------------------------------------------------------------------------
    Case("furigana", "漢字[かんじ]", "a reading is not spoken", ("漢字",), ("かんじ", "[")),
    Case(
        "furigana-sentence",
        "日本[にほん]語[ご]を 勉強[べんきょう]する",
        "several readings",
        ("日本語を勉強する",),
        ("にほん", "["),
    ),
    Case("furigana-double-brackets", "漢字[[かんじ]]", "doubled brackets", ("漢字",)),
    Case("furigana-reversed", "漢字]かんじ[", "brackets the wrong way round", ("漢字]かんじ[",)),
    Case("furigana-unclosed", "漢字[かんじ", "an unclosed reading", ("漢字[かんじ",)),
    Case("furigana-reading-alone", "[かんじ]", "a reading without a base", ("[かんじ]",)),
    Case("furigana-empty-reading", "漢字[]", "an empty reading", ("漢字",)),
    Case("furigana-path-reading", "漢字[../../etc/passwd]", "a path as the reading", ("漢字",), ("passwd",)),
    Case("brackets-unclosed-many", "a[a" * 40000, "40,000 unclosed brackets", ("a[aa[a",), big=True),
    Case("brackets-code", "array[0] = x[i]", "code brackets stay", ("array[0] = x[i]",)),
    # --- Very long text --------------------------------------------------------------------------------
    Case("huge-word", "a" * 100_000, "one 100,000-character word", ("aaaa",), big=True),
    Case("many-words", "word " * 20000, "100,000 characters of words", ("word word",), big=True),
    Case("cjk-no-spaces", "語" * 10_000, "10,000 CJK characters without a space", ("語語語",), big=True),
    Case("cjk-ext-b-no-spaces", "\U00020000" * 10_000, "10,000 four-byte CJK characters", ("\U00020000",), big=True),
    Case("ampersands", "&" * 100_000, "100,000 bare ampersands", ("&&&&",), big=True),
    Case("entity-starts", "&#" * 50_000, "50,000 unfinished character references", ("&#&#",), big=True),
    Case("sound-tag-starts", "[sound:" * 20000, "20,000 unclosed sound tags", ("[sound:[sound:",), big=True),
    Case("whitespace-flood", " \t\n\r\u3000" * 30000, "150,000 characters of whitespace", empty=True, big=True),
    Case("emoji-flood", "\U0001f600" * 20000, "20,000 emoji", ("\U0001f600",), big=True),
    Case("combining-flood", "a" + "\u0301" * 10_000, "10,000 combining marks on one letter", ("\u00e1",), big=True),
    # --- Control characters ----------------------------------------------------------------------------
    Case("nul", "wo\x00rd", "NUL", ("word",), ("\x00",)),
    Case("nul-only", "\x00\x00\x00", "nothing but NULs", empty=True),
    Case("ansi-escape", "\x1b[31mred\x1b[0m", "terminal colour escapes", ("red",), ("\x1b",)),
    Case("osc-title", "\x1b]0;pwned\x07word", "a terminal title sequence", ("word",), ("\x1b", "\x07")),
    Case("carriage-return", "first\rsecond", "a bare CR", ("first second",), ("\r",)),
    Case(
        "crlf-header-injection",
        "word\r\nX-Injected: 1",
        "CRLF as in header injection",
        ("word X-Injected: 1",),
        ("\r", "\n"),
    ),
    Case("vertical-tab", "line\x0bbreak", "Word's vertical-tab line break", ("line break",), ("\x0b",)),
    Case("form-feed-backspace", "a\x0cb\x08c", "form feed and backspace", ("a bc",), ("\x0c", "\x08")),
    Case("del", "wo\x7frd", "DEL", ("word",), ("\x7f",)),
    Case(
        "c1-controls",
        "a\x80b\x85c\x9bd\x9f",
        "C1 controls (NEL is a line break)",
        ("ab cd",),
        ("\x80", "\x85", "\x9b", "\x9f"),
    ),
    Case("all-c0", "".join(map(chr, range(32))) + "word", "every C0 control", ("word",)),
    Case("line-separators", "a\u2028b\u2029c", "Unicode line and paragraph separators", ("a b c",)),
    Case(
        "control-entities",
        "a&#27;b&#x7f;c&#0;d",
        "controls written as character references",
        ("ab",),
        ("\x1b", "\x7f", "\x00"),
    ),
    # --- Paths -------------------------------------------------------------------------------------------
    Case("dot-dot-slash", "../../etc/passwd", "relative path up", ("../../etc/passwd",)),
    Case("dot-dot-backslash", "..\\..\\win.ini", "Windows relative path up", ("..\\..\\win.ini",)),
    Case("absolute-path", "/abs/path", "absolute POSIX path", ("/abs/path",)),
    Case("drive-path", "C:\\x", "Windows drive path", ("C:\\x",)),
    Case("slash-in-word", "a/b", "a slash between words", ("a/b",)),
    Case("percent-encoded-dots", "%2e%2e%2f%2e%2e%2fetc", "percent-encoded traversal", ("%2e%2e%2f",)),
    Case("dots-and-slashes", "....//....//x", "filter-evading traversal", ("....//",)),
    Case("home-path", "~/.ssh/id_rsa", "a home-directory path", ("~/.ssh/id_rsa",)),
    Case("unc-path", "\\\\server\\share\\x", "a UNC path", ("\\\\server\\share",)),
    Case("file-url", "file:///etc/passwd", "a file: URL as text", ("file:///etc/passwd",)),
    Case("dot-dot-alone", "..", "a bare '..'", ("..",)),
    Case("dot-alone", ".", "a bare '.'", (".",)),
    Case("traversal-mid", "a/../../b", "traversal in the middle", ("a/../../b",)),
    Case("entity-traversal", "&#x2E;&#x2E;&#x2F;x", "traversal written as references", ("../x",)),
    Case("null-byte-extension", "evil.mp3\x00.png", "a NUL to cut an extension", ("evil.mp3.png",)),
    # --- Unicode normalisation ---------------------------------------------------------------------------
    Case("nfc-word", "caf\u00e9 ma\u00f1ana", "composed accents", ("caf\u00e9",)),
    Case("nfd-word", "cafe\u0301 man\u0303ana", "decomposed accents", ("caf\u00e9 ma\u00f1ana",), ("\u0301",)),
    Case("nfd-hangul", "\u1112\u1161\u11ab\u1100\u1173\u11af", "Hangul jamo", ("\ud55c\uae00",)),
    Case("nfd-kana", "か\u3099", "kana with a combining voiced mark", ("が",)),
    Case("nfd-in-html", "<i>cafe</i>\u0301", "a combining mark after a tag", ("caf\u00e9",)),
    Case("nfd-not-sign", "<\u0338b>word", "NFD of U+226E '≮' starts like a tag", ("\u226eb>word",)),
    Case(
        "nfd-greater-than",
        "<b\u226f word",
        "NFD of U+226F '≯' is '>' + U+0338: it would close the tag",
        ("<b\u226f word",),
    ),
    Case(
        "nfkc-ligature",
        "\ufb01ne \u2460 \uff46\uff55\uff4c\uff4c",
        "compatibility characters are kept",
        ("\ufb01ne", "\uff46\uff55\uff4c\uff4c"),
    ),
    Case("kelvin-ohm", "\u212a \u2126", "canonical singletons become K and Ω", ("K \u03a9",)),
    Case("greek-question-mark", "what\u037e", "U+037E is a semicolon under NFC", ("what;",)),
    # --- Right to left and bidi controls -----------------------------------------------------------------
    Case("arabic", "مرحبا بالعالم", "Arabic", ("مرحبا بالعالم",)),
    Case("hebrew", "שלום עולם", "Hebrew", ("שלום עולם",)),
    Case("rtl-override", "\u202etxt.exe", "a right-to-left override", ("txt.exe",), ("\u202e",)),
    Case(
        "rtl-override-path",
        "\u202e../../etc/passwd\u202c",
        "an override around a path",
        ("../../etc/passwd",),
        ("\u202e", "\u202c"),
    ),
    Case("bidi-isolates", "\u2067עברית\u2069 and \u202bعربي\u202c", "isolates and embeddings", ("עברית and عربي",)),
    Case("bidi-marks", "\u200fשלום\u200e \u061cعربي", "RLM, LRM and the Arabic letter mark", ("שלום عربي",)),
    Case("override-entity", "&#x202E;evil", "an override written as a reference", ("evil",), ("\u202e",)),
    # --- Emoji -------------------------------------------------------------------------------------------
    Case("emoji-zwj-family", f"{FAMILY} family", "a ZWJ sequence stays whole", (FAMILY,)),
    Case(
        "emoji-flags", "\U0001f1ef\U0001f1f5\U0001f1fa\U0001f1f8", "regional-indicator flags", ("\U0001f1ef\U0001f1f5",)
    ),
    Case("emoji-tag-flag", ENGLAND_FLAG, "a tag-sequence flag", (ENGLAND_FLAG,)),
    Case("emoji-skin-tone", "\U0001f44d\U0001f3fd", "a skin-tone modifier", ("\U0001f44d\U0001f3fd",)),
    Case("emoji-keycap", "1\ufe0f\u20e3", "a keycap sequence", ("1\ufe0f\u20e3",)),
    Case("emoji-only-in-html", "<b>\U0001f600</b>", "emoji and nothing else", ("\U0001f600",)),
    # --- Zero-width and invisible characters --------------------------------------------------------------
    Case("zero-width-space", "wo\u200brd", "a zero-width space inside a word", ("word",), ("\u200b",)),
    Case("zero-width-only", "\u200b\u200b", "a field that looks empty", empty=True),
    Case("word-joiner", "wo\u2060rd", "a word joiner", ("word",), ("\u2060",)),
    Case("zwnj-persian", "می\u200cخواهم", "ZWNJ stays in Persian", ("می\u200cخواهم",)),
    Case("bom-inside", "wo\ufeffrd", "a byte order mark inside a word", ("word",)),
    Case("soft-hyphens", "Donau\u00addampf\u00adschiff", "soft hyphens", ("Donaudampfschiff",)),
    # --- Lone surrogates (only through a word list or memory: Anki refuses them) --------------------------
    Case("lone-high-surrogate", "wo\ud800rd", "a lone high surrogate", ("word",), in_anki=False),
    Case("lone-low-surrogate", "\udc00", "a lone low surrogate and nothing else", empty=True, in_anki=False),
    Case("surrogate-reference", "a&#xd800;b", "a surrogate written as a reference", ("a",)),
    # --- Windows reserved names ---------------------------------------------------------------------------
    Case("reserved-con", "CON", "Windows reserved name", ("CON",)),
    Case("reserved-nul", "NUL", "Windows reserved name", ("NUL",)),
    Case("reserved-com1", "COM1", "Windows reserved name", ("COM1",)),
    Case("reserved-lpt1-ext", "LPT1.txt", "reserved name with an extension", ("LPT1.txt",)),
    Case("reserved-lower", "aux", "reserved names are case-insensitive", ("aux",)),
    Case("reserved-trailing", "PRN. ", "trailing dot and space", ("PRN.",)),
    # --- Long file-name material ---------------------------------------------------------------------------
    Case("long-ascii-word", "x" * 300, "300 characters without a space", ("x" * 300,)),
    Case("long-cjk-name", "漢" * 200, "200 three-byte characters", ("漢" * 200,)),
    Case("long-two-byte-name", "é" * 200, "200 two-byte characters", ("é" * 200,)),
    Case("long-four-byte-name", "\U00020000" * 100, "100 four-byte word characters", ("\U00020000",)),
    Case("long-emoji-name", "\U0001f600" * 100, "100 emoji (no word characters)", ("\U0001f600",)),
    Case("long-hyphens", "-" * 300, "300 hyphens", ("---",)),
    Case("long-dots", "." * 300, "300 dots", ("...",)),
    Case("shell-metacharacters", "$(rm -rf ~); `id` | tee > x & echo", "shell syntax as text", ("$(rm -rf ~)",)),
    Case("reserved-characters", 'what?*:"<>|^', "characters no file system allows", ("what?*:",)),
    # --- Empty and whitespace --------------------------------------------------------------------------------
    Case("empty", "", "an empty field", empty=True),
    Case("spaces", "     ", "spaces only", empty=True),
    Case("unicode-whitespace", "\u3000\u00a0\t\n\u2003", "Unicode whitespace only", empty=True),
    Case("nbsp-entities", "&nbsp;&nbsp;&nbsp;", "non-breaking spaces as references", empty=True),
    Case("br-only", "<br><br/><BR />", "line breaks only", empty=True),
    Case("nothing-left", "<div><br></div>&nbsp;[sound:x.mp3]{{c1::}}\u200b", "nothing left after cleaning", empty=True),
    # --- Entities --------------------------------------------------------------------------------------------
    Case("amp", "fish &amp; chips", "&amp;", ("fish & chips",)),
    Case("nul-reference", "a&#0;b", "&#0; is not a NUL", ("a",), ("\x00",)),
    Case("nbsp", "kitchen&nbsp;table", "&nbsp;", ("kitchen table",)),
    Case(
        "escaped-script",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "escaped markup is text the user sees",
        ("<script>alert(1)</script>",),
    ),
    Case("double-escaped", "&amp;lt;b&amp;gt;", "doubly escaped", ("&lt;b&gt;",)),
    Case("out-of-range-reference", "a&#x110000;b&#99999999999;c", "references beyond Unicode", ("a",)),
    Case("c1-reference", "&#128;&#150;", "C1 references mean Windows-1252", ("\u20ac\u2013",)),
    Case("unknown-entity", "&NotAnEntity; &amp", "an unknown name and an unfinished one", ("&NotAnEntity;",)),
    # --- Sound tags with hostile names ------------------------------------------------------------------------
    Case(
        "sound-traversal", "[sound:../../etc/passwd]word", "a traversal in a sound tag", ("word",), ("passwd", "sound")
    ),
    Case("sound-drive", "[sound:C:\\Windows\\win.ini]word", "a drive path in a sound tag", ("word",), ("win.ini",)),
    Case("sound-markup", f"[sound:{SCRIPT}]word", "markup in a sound tag's name", ("word",)),
    Case("sound-bracket", "[sound:a]b]word", "a bracket inside a sound tag's name", ("b]word",)),
    Case("sound-unclosed", "word [sound:x.mp3", "an unclosed sound tag stays text", ("word [sound:x.mp3",)),
    Case("sound-control", "[sound:\x00\x1b.mp3]word", "control characters in a sound tag", ("word",), ("sound",)),
    Case("sound-upper-case", "[SOUND:x.mp3]word", "Anki's tag is lower case: this is text", ("[SOUND:x.mp3]word",)),
    Case("sound-url", "[sound:http://127.0.0.1:1/x.mp3]word", "a URL in a sound tag", ("word",), ("http",)),
    # --- Mixed ------------------------------------------------------------------------------------------------
    Case(
        "everything",
        f"<b>{{{{c1::漢字[かんじ]::hint}}}}</b>\x00\u202e[sound:../x.mp3]{SCRIPT}&amp;\u200b",
        "every kind of markup at once",
        ("漢字 &",),
        ("hint", "alert", "\u202e", "かんじ"),
    ),
    Case(
        "prompt-placeholders",
        "{text} {Back} {Front}",
        "prompt placeholders in the text stay text",
        ("{text} {Back} {Front}",),
    ),
]

CASES_BY_ID = {case.id: case for case in CASES}
assert len(CASES_BY_ID) == len(CASES), "case ids must be unique"
