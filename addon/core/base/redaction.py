"""Keep API keys out of logs, reports and exception text.

``redact`` replaces secrets in a piece of text with ``REDACTED``. It finds them two ways:

* literally: every value passed in ``secrets`` (the keys the user typed into the config), also in
  its URL-encoded and JSON-escaped forms, longest first, in one pass;
* by shape, case-insensitively: URL query parameters such as ``?key=…`` or ``&access_token=…``,
  the path segment after ``/key/`` (Forvo puts its key there), ``Authorization: <scheme> <value>``,
  ``Bearer``/``Basic``/``Api-Key`` credentials anywhere, key headers in the forms ``Name: value``,
  ``'Name': 'value'`` and ``"Name": "value"`` (also JSON bodies and dict reprs such as Runware's
  ``"apiKey"``), ``name='value'`` keyword reprs, and the well-known key shapes of OpenAI
  (``sk-…``) and Google (``AIza…``), which are matched case-sensitively.

Names are kept and only values are replaced, so a redacted line still says which header or
parameter was sent. Ordinary text stays as it is: a name must stand on its own (``monkey=3`` is not
``key=3``), ``the key to success`` has no value to replace, and a URL without secrets is returned
unchanged. Every pattern is linear in the length of the text (no nested quantifiers), so a
megabyte of hostile input takes milliseconds. Redacting twice gives the same text as redacting once.

Thread safety: ``redact`` is a pure function, safe from any thread. ``KnownSecrets`` guards its set
with a lock; its methods may be called from any thread at the same time.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"

MIN_SECRET_LENGTH = 4
"""``KnownSecrets`` ignores shorter values: replacing them would garble ordinary text."""

# --- Names -------------------------------------------------------------------------------------

# URL query parameters (and form fields, keyword reprs) whose value is a credential.
_QUERY_NAMES = (
    "key",
    "api_key",
    "apikey",
    "api-key",
    "access_token",
    "token",
    "auth",
    "password",
    "secret",
    "client_secret",
    "signature",
    "sig",
)

# HTTP headers (and JSON / dict keys) whose value is a credential. ``authorization`` has its own
# pattern for the unquoted form, which keeps the scheme.
_HEADER_NAMES = (
    "xi-api-key",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "ocp-apim-subscription-key",
    "authorization",
    "apikey",
    "api_key",
    "token",
    "access_token",
    "password",
    "secret",
    "client_secret",
)

# Authorization schemes followed by a single credential token.
_AUTH_SCHEMES = ("bearer", "basic", "api-key", "apikey", "token", "key", "dpop", "oauth")


def _alternation(names: Iterable[str]) -> str:
    """A regex alternation of literal names, longest first so no name shadows a longer one."""
    return "|".join(re.escape(name) for name in sorted(set(names), key=lambda name: (-len(name), name)))


# A name must not continue a longer identifier: ``monkey=`` is not ``key=``, ``x-token:`` is not ``token:``.
_NOT_AFTER_NAME_CHAR = r"(?<![\w-])"
# Characters of a bare credential token (base64, base64url, JWT, hex, percent-encoding).
_TOKEN_CHARS = r"[A-Za-z0-9._~+/=%-]"

# --- Patterns ----------------------------------------------------------------------------------

# "Name": "value" and 'Name': 'value' (either quote on either side), as in JSON bodies, header
# dicts and their reprs. Values may contain escaped quotes; the unrolled loops cannot backtrack.
_QUOTED_PAIR = re.compile(
    rf"""(?P<name>(?P<q>["'])(?:{_alternation(_HEADER_NAMES)})(?P=q)\s*:\s*)"""
    r"""(?:"(?P<dq>[^"\\\n]*(?:\\.[^"\\\n]*)*)"|'(?P<sq>[^'\\\n]*(?:\\.[^'\\\n]*)*)')""",
    re.IGNORECASE,
)

# The same pair JSON-escaped inside another string: {\"apiKey\": \"value\"}.
_ESCAPED_QUOTED_PAIR = re.compile(
    rf"""(?P<name>\\"(?:{_alternation(_HEADER_NAMES)})\\"\s*:\s*)"""
    r'\\"(?P<value>[^"\\\n]*)\\"',
    re.IGNORECASE,
)

# Authorization: <scheme> <value>. A known scheme is kept and the token after it replaced; anything
# else (an unknown scheme, a bare key) is replaced up to the end of the line or a quote.
_AUTHORIZATION = re.compile(
    rf"""{_NOT_AFTER_NAME_CHAR}(?P<name>authorization[ \t]*:[ \t]*)"""
    rf"""(?:(?P<scheme>(?:{_alternation(_AUTH_SCHEMES)})[ \t]+)(?P<token>[^\s'",]+)|(?P<rest>[^\s'"][^\r\n'"]*))""",
    re.IGNORECASE,
)

# Name: value (an unquoted header line). The value may sit in quotes: token: "abc".
_HEADER_LINE = re.compile(
    rf"""{_NOT_AFTER_NAME_CHAR}(?P<name>(?:{_alternation(n for n in _HEADER_NAMES if n != "authorization")})"""
    r"""[ \t]*:[ \t]*["']?)(?P<value>[^\s'",;]+)""",
    re.IGNORECASE,
)

# name=value: URL query parameters, form bodies, keyword reprs (api_key='abc').
_ASSIGNMENT = re.compile(
    rf"""{_NOT_AFTER_NAME_CHAR}(?P<name>(?:{_alternation(_QUERY_NAMES + _HEADER_NAMES)})=["']?)"""
    r"""(?P<value>[^&#\s'"]+)""",
    re.IGNORECASE,
)

# https://apifree.forvo.com/key/<key>/format/json/...
_KEY_PATH_SEGMENT = re.compile(r"""(?P<name>/key/)(?P<value>[^/?#\s'"]+)""", re.IGNORECASE)

# Bearer/Basic/Api-Key credentials anywhere. Only a token that does not read like a word counts
# (it has a digit, a symbol, or a lower-to-upper case change inside), so "basic functionality" and
# "the bearer of bad news" stay as they are.
_SCHEME_CREDENTIAL = re.compile(
    rf"""{_NOT_AFTER_NAME_CHAR}(?P<name>(?:bearer|basic|api-key)[ \t]+)"""
    rf"""(?P<value>(?={_TOKEN_CHARS}*(?:[0-9_~+/=%-]|(?-i:[a-z][A-Z]))){_TOKEN_CHARS}{{8,}})""",
    re.IGNORECASE,
)

# Well-known key shapes, case-sensitive: OpenAI (sk-..., sk-proj-...) and Google API keys.
_KEY_SHAPES = re.compile(r"(?<![\w-])(?:sk-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,})")


def _keep_name(match: re.Match[str]) -> str:
    return match.group("name") + REDACTED


def _keep_quoted_name(match: re.Match[str]) -> str:
    quote_char = '"' if match.group("dq") is not None else "'"
    return f"{match.group('name')}{quote_char}{REDACTED}{quote_char}"


def _keep_escaped_quoted_name(match: re.Match[str]) -> str:
    return f'{match.group("name")}\\"{REDACTED}\\"'


def _keep_authorization_scheme(match: re.Match[str]) -> str:
    return match.group("name") + (match.group("scheme") or "") + REDACTED


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_QUOTED_PAIR, _keep_quoted_name),
    (_ESCAPED_QUOTED_PAIR, _keep_escaped_quoted_name),
    (_AUTHORIZATION, _keep_authorization_scheme),
    (_HEADER_LINE, _keep_name),
    (_ASSIGNMENT, _keep_name),
    (_KEY_PATH_SEGMENT, _keep_name),
    (_SCHEME_CREDENTIAL, _keep_name),
    (_KEY_SHAPES, lambda _match: REDACTED),
)

# --- Literal secrets ---------------------------------------------------------------------------

_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _forms(secret: str) -> set[str]:
    """The secret as it may appear in text: raw, URL-encoded (both hex cases), JSON-escaped."""
    encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    lower_hex = {_PERCENT_ESCAPE.sub(lambda match: match.group(0).lower(), form) for form in encoded}
    return {secret, json.dumps(secret)[1:-1], *encoded, *lower_hex}


def _literal_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation of every form of every secret, longest first; None when there is nothing to find.

    One pass means a replacement is never searched again, so a secret that happens to occur inside
    ``REDACTED`` cannot garble the output.
    """
    forms: set[str] = set()
    for secret in secrets:
        if secret and not secret.isspace():
            forms |= _forms(secret)
    if not forms:
        return None
    # REDACTED itself is "replaced" by itself, so a secret that occurs inside it (say "acted") does
    # not garble text that was redacted before.
    return re.compile(_alternation({*forms, REDACTED}))


def _redact(text: str, literal: re.Pattern[str] | None) -> str:
    if literal is not None:
        text = literal.sub(REDACTED, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret in ``secrets`` and every credential-shaped value replaced by REDACTED.

    Empty and whitespace-only entries of ``secrets`` are skipped; every other entry is taken as given.
    """
    return _redact(text, _literal_pattern(secrets))


class KnownSecrets:
    """The secret values seen in the config, to be redacted wherever they turn up. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._pattern_is_current = True

    def add(self, *values: str | None) -> None:
        """Remember ``values``; None, empty values and values shorter than MIN_SECRET_LENGTH are ignored.

        A value with surrounding whitespace is remembered both as given and stripped, since the
        stripped form is what a provider sends.
        """
        new: set[str] = set()
        for value in values:
            if value is None:
                continue
            new.update(form for form in (value, value.strip()) if len(form.strip()) >= MIN_SECRET_LENGTH)
        with self._lock:
            if not new <= self._values:
                self._values |= new
                self._pattern_is_current = False

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()
            self._pattern = None
            self._pattern_is_current = True

    def redact(self, text: str) -> str:
        """``redact(text, secrets=<the known values>)``."""
        with self._lock:
            if not self._pattern_is_current:
                self._pattern = _literal_pattern(self._values)
                self._pattern_is_current = True
            pattern = self._pattern
        return _redact(text, pattern)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def __repr__(self) -> str:
        # Never the values themselves.
        return f"<KnownSecrets: {len(self)} values>"
