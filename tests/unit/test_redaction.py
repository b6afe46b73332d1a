"""redact and KnownSecrets: every secret form the providers use is replaced, names are kept, and
ordinary text comes back unchanged."""

from __future__ import annotations

import threading
import time
import traceback
from urllib.parse import quote, quote_plus

import pytest

from addon.core.base.redaction import REDACTED, KnownSecrets, redact

R = REDACTED
OPENAI_KEY = "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12"
GOOGLE_KEY = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"
CONFIG_KEY = "my/secret+key 42"

# (id, text, literal secrets, expected)
CASES: list[tuple[str, str, tuple[str, ...], str]] = [
    # --- literal secrets -------------------------------------------------------------------------
    ("literal", "sent hunter2hunter2 to the server", ("hunter2hunter2",), f"sent {R} to the server"),
    ("literal-quote", f"url=https://x/{quote(CONFIG_KEY, safe='')}/y", (CONFIG_KEY,), f"url=https://x/{R}/y"),
    ("literal-quote-plus", f"q={quote_plus(CONFIG_KEY)}&lang=en", (CONFIG_KEY,), f"q={R}&lang=en"),
    ("literal-quote-lower-hex", "path /my%2fsecret%2bkey%2042/x", (CONFIG_KEY,), f"path /{R}/x"),
    ("literal-longest-first", "abcd abcdefgh", ("abcd", "abcdefgh"), f"{R} {R}"),
    (
        "literal-several",
        "first=alpha-one second=beta-two third=gamma",
        ("alpha-one", "beta-two"),
        f"first={R} second={R} third=gamma",
    ),
    ("literal-json-escaped", 'body {"v": "a\\"quoted\\"key"}', ('a"quoted"key',), f'body {{"v": "{R}"}}'),
    ("literal-in-redacted-word", "key value: acted", ("acted",), f"key value: {R}"),
    # --- URL query parameters --------------------------------------------------------------------
    (
        "google-query-key",
        f"POST https://texttospeech.googleapis.com/v1/text:synthesize?key={GOOGLE_KEY}&alt=json",
        (),
        f"POST https://texttospeech.googleapis.com/v1/text:synthesize?key={R}&alt=json",
    ),
    (
        "query-api_key",
        "https://a.example/v1?lang=en&api_key=abc123#top",
        (),
        f"https://a.example/v1?lang=en&api_key={R}#top",
    ),
    ("query-apikey-upper", "https://a.example/v1?APIKEY=abc123 next", (), f"https://a.example/v1?APIKEY={R} next"),
    ("query-api-key", "https://a.example/?api-key=abc123'", (), f"https://a.example/?api-key={R}'"),
    ("query-access_token", "GET /me?access_token=EAAB12xyz&fields=id", (), f"GET /me?access_token={R}&fields=id"),
    ("query-token", "?token=t0k3n", (), f"?token={R}"),
    ("query-auth", "?auth=xyz789&x=1", (), f"?auth={R}&x=1"),
    (
        "query-password",
        '"https://u.example/?user=bob&password=pa55"',
        (),
        f'"https://u.example/?user=bob&password={R}"',
    ),
    ("query-secret", "&secret=shh42", (), f"&secret={R}"),
    ("query-client_secret", "?client_id=app&client_secret=cs_123", (), f"?client_id=app&client_secret={R}"),
    (
        "query-signature-sig",
        "https://b.blob.core.windows.net/c?sv=2020&signature=abc%2B%3D&sig=Zm9v%3D",
        (),
        f"https://b.blob.core.windows.net/c?sv=2020&signature={R}&sig={R}",
    ),
    (
        "keyword-repr",
        "ProviderSettings(api_key='abc123', voice='en')",
        (),
        f"ProviderSettings(api_key='{R}', voice='en')",
    ),
    # --- Forvo key in the path -------------------------------------------------------------------
    (
        "forvo-path",
        "https://apifree.forvo.com/key/ABC123/format/json/action/word-pronunciations/word/hello",
        (),
        f"https://apifree.forvo.com/key/{R}/format/json/action/word-pronunciations/word/hello",
    ),
    (
        "forvo-urllib3-error",
        "HTTPSConnectionPool(host='apifree.forvo.com', port=443): Max retries exceeded with url: /key/ABC123/format/json",
        (),
        f"HTTPSConnectionPool(host='apifree.forvo.com', port=443): Max retries exceeded with url: /key/{R}/format/json",
    ),
    # --- Authorization and credential schemes -----------------------------------------------------
    ("authorization-bearer", f"Authorization: Bearer {OPENAI_KEY}", (), f"Authorization: Bearer {R}"),
    ("authorization-yandex", "authorization: Api-Key AQVN1x2y3z4w5v6u", (), f"authorization: Api-Key {R}"),
    ("authorization-basic", "AUTHORIZATION:Basic dXNlcjpwYXNz", (), f"AUTHORIZATION:Basic {R}"),
    ("authorization-bare-value", "Authorization: abcdef123456\nnext line", (), f"Authorization: {R}\nnext line"),
    (
        "authorization-unknown-scheme",
        'curl -H "Authorization: Digest username=bob, response=9f8e" x',
        (),
        f'curl -H "Authorization: {R}" x',
    ),
    ("bearer-anywhere", f"token refused: Bearer {OPENAI_KEY} (401)", (), f"token refused: Bearer {R} (401)"),
    ("bearer-jwt", "bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_abc", (), f"bearer {R}"),
    ("basic-anywhere", "sent Basic dXNlcjpwYXNz upstream", (), f"sent Basic {R} upstream"),
    ("api-key-anywhere", "using Api-Key AQVN1x2y3z4w5v6u now", (), f"using Api-Key {R} now"),
    # --- header lines and quoted pairs -----------------------------------------------------------
    ("header-xi-api-key", "xi-api-key: 0123456789abcdef", (), f"xi-api-key: {R}"),
    ("header-x-api-key", "X-API-Key:abc123", (), f"X-API-Key:{R}"),
    ("header-goog", "x-goog-api-key: abc123, next", (), f"x-goog-api-key: {R}, next"),
    ("header-azure", "Ocp-Apim-Subscription-Key: 0123456789abcdef", (), f"Ocp-Apim-Subscription-Key: {R}"),
    ("header-password-quoted-value", 'password: "pa55word"', (), f'password: "{R}"'),
    (
        "header-dict-repr",
        "headers={'xi-api-key': 'abc123', 'Content-Type': 'application/json'}",
        (),
        f"headers={{'xi-api-key': '{R}', 'Content-Type': 'application/json'}}",
    ),
    (
        "header-dict-authorization",
        "{'Authorization': 'Bearer sk-short', 'Accept': 'audio/mpeg'}",
        (),
        f"{{'Authorization': '{R}', 'Accept': 'audio/mpeg'}}",
    ),
    ("header-json", '{"Ocp-Apim-Subscription-Key": "abc123"}', (), f'{{"Ocp-Apim-Subscription-Key": "{R}"}}'),
    (
        "json-runware-apikey",
        '[{"taskType": "authentication", "apiKey": "rw-123abc"}]',
        (),
        f'[{{"taskType": "authentication", "apiKey": "{R}"}}]',
    ),
    ("json-api_key-compact", '{"api_key":"abc","n":1}', (), f'{{"api_key":"{R}","n":1}}'),
    ("json-token-escaped-quote", '{"token": "ab\\"cd", "x": 1}', (), f'{{"token": "{R}", "x": 1}}'),
    ("json-secret-password", "{'secret': 's1', 'password': \"p'2\"}", (), f"{{'secret': '{R}', 'password': \"{R}\"}}"),
    ("json-escaped-in-string", 'body="{\\"apiKey\\": \\"abc123\\"}"', (), f'body="{{\\"apiKey\\": \\"{R}\\"}}"'),
    # --- well-known key shapes -------------------------------------------------------------------
    (
        "openai-shape",
        f"OpenAI said: Incorrect API key provided: {OPENAI_KEY}.",
        (),
        f"OpenAI said: Incorrect API key provided: {R}.",
    ),
    ("google-shape", f"key {GOOGLE_KEY} is invalid", (), f"key {R} is invalid"),
    # --- several at once -------------------------------------------------------------------------
    (
        "several-forms",
        f"GET https://x.example/?key=k1k1&v=2 Authorization: Bearer {OPENAI_KEY}\nxi-api-key: e11e11 cfg=hunter22",
        ("hunter22",),
        f"GET https://x.example/?key={R}&v=2 Authorization: Bearer {R}\nxi-api-key: {R} cfg={R}",
    ),
]

UNCHANGED = [
    "the key to success",
    "monkey=3",
    "turkey=7&donkey=2",
    "sort_key=name&x-token=1",
    "https://example.com/path/to/page?q=hello+world&lang=en#section",
    "https://apifree.forvo.com/format/json/action/word-pronunciations/word/hello",
    "basic functionality is basic",
    "Basic usage: see the manual",
    "the bearer of bad news",
    "Authorization failed for this user",
    "max_tokens=100 tokens=5",
    "task-abcdefghijklmnopqrstuvwxyz and desk-0123456789abcdef01",
    "sk-short",
    "AIza too short",
    '{"taskType": "imageInference", "positivePrompt": "a cat", "key": "value"}',
    "{'token': None, 'secret': 42}",
    "Ünïcödé text — with a key, a token and a password mentioned.",
    "",
]


@pytest.mark.parametrize(("text", "secrets", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_redacts(text: str, secrets: tuple[str, ...], expected: str) -> None:
    assert redact(text, secrets=secrets) == expected


@pytest.mark.parametrize(("text", "secrets", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_redacting_twice_changes_nothing_more(text: str, secrets: tuple[str, ...], expected: str) -> None:
    assert redact(expected, secrets=secrets) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact(text) == text
    assert redact(text, secrets=("no-such-secret-here",)) == text


@pytest.mark.parametrize("empty", ["", " ", "\t\n"])
def test_empty_secrets_are_skipped(empty: str) -> None:
    assert redact("a b c", secrets=(empty,)) == "a b c"


def test_secret_inside_a_traceback() -> None:
    secret = "cfg-Secret-0000-1111"

    def call_api() -> None:
        try:
            raise ConnectionError(f"cannot reach https://api.example/v1?key={secret}&q=1")
        except ConnectionError as error:
            raise RuntimeError(f"provider failed with key {secret} and header xi-api-key: {secret}") from error

    try:
        call_api()
    except RuntimeError as error:
        text = "".join(traceback.format_exception(error))
    assert text.count(secret) >= 3
    assert secret not in redact(text, secrets=(secret,))
    pattern_only = redact(text)  # even without knowing the value, the key= and header forms go
    assert f"?key={R}&q=1" in pattern_only
    assert f"xi-api-key: {R}" in pattern_only
    assert "call_api" in pattern_only  # the traceback itself stays readable


def test_known_secrets_ignores_none_empty_and_short_values() -> None:
    known = KnownSecrets()
    known.add(None, "", "abc", "   ", "abcd")
    assert len(known) == 1
    assert known.redact("abc abcd") == f"abc {R}"


def test_known_secrets_remembers_stripped_values_and_clears() -> None:
    known = KnownSecrets()
    known.add("  pasted-key-1  ")
    assert known.redact("header value pasted-key-1 end") == f"header value {R} end"
    known.clear()
    assert len(known) == 0
    assert known.redact("header value pasted-key-1 end") == "header value pasted-key-1 end"
    known.add("second-key")
    assert known.redact("second-key") == R


def test_known_secrets_repr_hides_values() -> None:
    known = KnownSecrets()
    known.add("value-that-is-secret")
    assert "value-that-is-secret" not in repr(known)


def test_known_secrets_from_many_threads() -> None:
    known = KnownSecrets()
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for round_ in range(50):
                value = f"thread-{index}-secret-{round_}"
                known.add(value)
                if value in known.redact(f"x {value} y"):
                    raise AssertionError(value)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(known) == 8 * 50


HOSTILE = [
    "a" * 1_000_000,
    "key=" * 250_000,
    "bearer " * 150_000,
    "Basic " + "a" * 1_000_000,
    "~Basic a" * 125_000,
    "Authorization: " * 70_000,
    "sk-" * 330_000,
    "'token': '" * 100_000,
    '"apiKey": "' + "\\a" * 500_000,
    "/key/" * 200_000,
    ("https://x.example/v1?q=" + "word " * 20) * 8_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=[text[:12] for text in HOSTILE])
def test_a_megabyte_is_fast(text: str) -> None:
    start = time.perf_counter()
    redact(text, secrets=("hunter22", "abcdefgh"))
    assert time.perf_counter() - start < 3.0
