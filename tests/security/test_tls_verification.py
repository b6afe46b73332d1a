"""TLS verification is always on (issue 9).

Statically: no module under ``addon/`` (vendored code included) turns certificate checks off in any
of the usual ways. At run time: `download_media` and every built-in HTTP provider, pointed at a
loopback HTTPS server whose certificate nobody trusts (``tests/support/tls/``), refuse it with
"certificate could not be verified" before a single request reaches the server; the same server is
fine for a client that trusts the certificate on purpose, so the refusal is about trust alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from addon.core.base.errors import PermanentError, ProviderError
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.catalog import BUILTIN_PROVIDERS, ProviderCatalog
from addon.providers.http.download import download_media
from tests.security.security_ast import Finding, addon_files, calls, parse, relative, where
from tests.security.security_tls import CERT_FILE, TlsServer, serve_tls
from tests.support.fake_http import Reply
from tests.support.media_samples import png_bytes, silent_wav
from tests.support.shipped import shipped_slice
from tests.support.transcription import heard

NOT_VERIFIED = "certificate could not be verified"
TLS_TEST_KEY = "mf-tls-test-key-5b0e7c2a91"
PNG = png_bytes()

# --- static ------------------------------------------------------------------------------------

# Names whose mere use turns verification off or silences the warning about it.
BANNED_NAMES = frozenset(
    {
        "_create_unverified_context",
        "_create_default_https_context",
        "CERT_NONE",
        "CERT_OPTIONAL",
        "disable_warnings",
        "InsecureRequestWarning",
    }
)
# Attributes the add-on never sets: requests' verify, and ssl contexts' checks.
GUARDED_ATTRIBUTES = frozenset({"verify", "check_hostname", "verify_mode"})
# Environment variables that change (or drop) the trusted certificates.
CA_VARIABLES = frozenset({"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "PYTHONHTTPSVERIFY"})


def _falsy_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is not None and not node.value


def tls_findings(tree: ast.Module, path: str) -> list[Finding]:
    """Every way ``tree`` turns certificate verification off (see the constants above)."""
    found: list[Finding] = []
    for call, name in calls(tree):
        for keyword in call.keywords:
            if keyword.arg == "verify" and _falsy_constant(keyword.value):
                found.append(Finding(where(path, call), f"{name}(verify={ast.unparse(keyword.value)})"))
        if name == "setattr" and len(call.args) >= 2:
            attribute = call.args[1]
            if isinstance(attribute, ast.Constant) and attribute.value in GUARDED_ATTRIBUTES:
                found.append(Finding(where(path, call), f"setattr(…, {attribute.value!r}, …)"))
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in GUARDED_ATTRIBUTES:
                found.append(Finding(where(path, node), f"sets .{target.attr}"))
        if isinstance(node, ast.Attribute) and node.attr in BANNED_NAMES:
            found.append(Finding(where(path, node), f"uses {node.attr}"))
        elif isinstance(node, ast.Name) and node.id in BANNED_NAMES:
            found.append(Finding(where(path, node), f"uses {node.id}"))
        elif isinstance(node, ast.alias) and node.name.rsplit(".", 1)[-1] in BANNED_NAMES:
            found.append(Finding(where(path, node), f"imports {node.name}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() in CA_VARIABLES:
            found.append(Finding(where(path, node), f"names the environment variable {node.value.strip()}"))
    return found


def test_no_addon_module_turns_tls_verification_off() -> None:
    files = addon_files()
    assert any(relative(path).startswith("addon/vendor/") for path in files), "vendored code is checked too"
    found = [finding for path in files for finding in tls_findings(parse(path), relative(path))]
    assert found == [], "\n".join(map(str, found))


@pytest.mark.parametrize(
    "code",
    [
        "import requests\nrequests.get(url, verify=False)",
        "session.request('GET', url, verify=0)",
        "session.verify = False",
        "self._session.verify = '/tmp/other-ca.pem'",
        "setattr(session, 'verify', False)",
        "import ssl\nctx = ssl._create_unverified_context()",
        "import ssl\nssl._create_default_https_context = ssl._create_unverified_context",
        "from ssl import CERT_NONE",
        "context.verify_mode = ssl.CERT_NONE",
        "context.check_hostname = False",
        "import urllib3\nurllib3.disable_warnings()",
        "from urllib3.exceptions import InsecureRequestWarning",
        "os.environ['REQUESTS_CA_BUNDLE'] = ''",
        "os.environ.pop('CURL_CA_BUNDLE', None)",
        "env = {**os.environ, 'SSL_CERT_FILE': path}",
    ],
)
def test_the_static_check_finds_each_way_to_turn_verification_off(code: str) -> None:
    assert tls_findings(ast.parse(code), "snippet") != []


def test_the_static_check_leaves_ordinary_requests_alone() -> None:
    code = "import requests, re\nrequests.get(url, timeout=5, stream=True)\nre.compile('x')\nverify = check(x)"
    assert tls_findings(ast.parse(code), "snippet") == []


# --- at run time -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server() -> Iterator[TlsServer]:
    with serve_tls(lambda request: Reply(200, PNG, {"Content-Type": "image/png"})) as server:
        yield server


@pytest.fixture
def untrusted(tls_server: TlsServer) -> TlsServer:
    tls_server.requests.clear()
    return tls_server


def _download(url: str, session: requests.Session | None = None) -> tuple[bytes, str]:
    with session or requests.Session() as s:
        return download_media(s, url, kind=MediaKind.IMAGE, provider="pics", timeout_s=10, max_bytes=1 << 20)


def test_download_media_refuses_a_server_whose_certificate_is_not_trusted(untrusted: TlsServer) -> None:
    with pytest.raises(PermanentError) as caught:
        _download(f"{untrusted.url}/a.png?sig=c2VjcmV0c2lnbmF0dXJl")
    assert NOT_VERIFIED in caught.value.message
    assert "sig=" not in str(caught.value)
    assert untrusted.requests == [], "no request got past the handshake"


def test_the_same_server_is_fine_for_a_client_that_trusts_its_certificate(untrusted: TlsServer) -> None:
    """The control: the refusal above is about trust, not a broken server or a wrong host name."""
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE, when set, wins over the session's verify
    session.verify = str(CERT_FILE)  # the test trusts the test certificate; the add-on never does this
    assert _download(f"{untrusted.url}/a.png", session) == (PNG, "png")
    assert [r.path for r in untrusted.requests] == ["/a.png"]


def _http_providers() -> list[tuple[MediaKind, str]]:
    catalog = ProviderCatalog(third_party={})
    return [
        (kind, name)
        for kind, names in BUILTIN_PROVIDERS.items()
        for name in names
        if catalog.load(kind, name).capabilities.http
    ]


HTTP_PROVIDERS = _http_providers()


def _settings(kind: MediaKind, name: str, base_url: str, folder: Path) -> dict[str, Any]:
    extra = {"counter_file": str(folder / "forvo_counter.json")} if name == "forvo" else {}
    return {
        **shipped_slice(kind.value, name),
        "enabled": True,
        "api_key": TLS_TEST_KEY,
        "api_key_env": "",
        "base_url": base_url,
        "retry_attempts": 0,
        "timeout_s": 10,
        **extra,
    }


def _request(kind: MediaKind) -> MediaRequest:
    """What a provider of ``kind`` is asked: a word, or (speech to text) a short sound to hear."""
    if kind is MediaKind.TEXT:
        return heard(silent_wav(0.5, rate=16000), "wav", duration_s=0.5)
    return MediaRequest(kind=kind, text="apple", language="en")


def test_every_http_provider_is_covered() -> None:
    names = {name for _, name in HTTP_PROVIDERS}
    assert {"openai", "wikimedia", "forvo", "google_tts", "azure_tts", "openai_stt", "google_stt"} <= names
    assert "espeak" not in names and "piper" not in names


@pytest.mark.parametrize(("kind", "name"), HTTP_PROVIDERS, ids=[name for _, name in HTTP_PROVIDERS])
def test_every_http_provider_refuses_a_server_whose_certificate_is_not_trusted(
    kind: MediaKind, name: str, untrusted: TlsServer, tmp_path: Path
) -> None:
    cls = ProviderCatalog(third_party={}).load(kind, name)
    provider = cls(_settings(kind, name, untrusted.url, tmp_path), environ={})
    try:
        assert provider.setup_problem() is None
        with pytest.raises(ProviderError) as caught:
            provider.generate(_request(kind))
        report = provider.test_connection()
    finally:
        provider.close()
    assert NOT_VERIFIED in caught.value.message, caught.value.message
    assert TLS_TEST_KEY not in str(caught.value)
    assert not report.ok
    assert untrusted.requests == [], f"{name} sent a request to a server it could not verify"
