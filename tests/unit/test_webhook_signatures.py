"""Web-store webhook signatures: base64(HMAC-SHA256(secret, raw body)), checked over the exact
bytes, and the per-channel secrets read from KEEL_WEBHOOK_SECRETS."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.channel_formats.signatures import sign, verify
from erp_core.settings import Settings

SECRET = "hush"
BODY = b'{"id":1042}'
# printf '{"id":1042}' | openssl dgst -sha256 -hmac hush -binary | base64
OPENSSL_SIGNATURE = "KvQuPKC9b5lczJ6zmrHe/rzr0ZdjYLxIOcYG+z7iRTY="


def test_a_signature_made_with_openssl_is_accepted() -> None:
    assert verify(SECRET, BODY, OPENSSL_SIGNATURE)
    assert sign(SECRET, BODY) == OPENSSL_SIGNATURE


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        ("hush!", BODY, OPENSSL_SIGNATURE),
        (SECRET, b'{"id": 1042}', OPENSSL_SIGNATURE),
        (SECRET, b'{"id":1043}', OPENSSL_SIGNATURE),
        (SECRET, b"", OPENSSL_SIGNATURE),
        (SECRET, BODY, OPENSSL_SIGNATURE.lower()),
        (SECRET, BODY, OPENSSL_SIGNATURE.rstrip("=")),
        (SECRET, BODY, " " + OPENSSL_SIGNATURE),
        (SECRET, BODY, "L" + OPENSSL_SIGNATURE[1:]),
    ],
    ids=[
        "other-secret",
        "re-serialised-body",
        "other-body",
        "empty-body",
        "case-changed",
        "padding-dropped",
        "padded-with-a-space",
        "one-character-off",
    ],
)
def test_a_signature_of_anything_but_these_bytes_with_this_secret_is_refused(
    secret: str, body: bytes, header: str
) -> None:
    assert not verify(secret, body, header)


@pytest.mark.parametrize("header", [None, "", "not base64 at all", "é" * 44, "\udc80" * 44])
def test_a_missing_or_garbled_header_is_refused_without_an_error(header: str | None) -> None:
    assert not verify(SECRET, BODY, header)


def test_the_secrets_are_read_per_channel_from_json_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEEL_WEBHOOK_SECRETS", '{"WEB": "hush", "OUTLET": "s3cr3t"}')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.webhook_secrets == {"WEB": "hush", "OUTLET": "s3cr3t"}
    assert "hush" not in repr(settings)


def test_no_channel_has_a_secret_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEEL_WEBHOOK_SECRETS", raising=False)
    assert Settings(_env_file=None).webhook_secrets == {}  # type: ignore[call-arg]


def test_an_empty_secret_is_refused_since_anyone_could_sign_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEEL_WEBHOOK_SECRETS", '{"WEB": ""}')
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
