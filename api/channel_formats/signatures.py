"""Webhook signatures the Shopify way: the sender puts base64(HMAC-SHA256(secret, raw body)) in
the X-Shopify-Hmac-Sha256 header; the receiver recomputes it over the bytes it received, before
parsing them, and compares in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "X-Shopify-Hmac-Sha256"


def sign(secret: str, body: bytes) -> str:
    """The header value a sender holding `secret` puts on `body`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret: str, body: bytes, header_value: str | None) -> bool:
    """Whether the header signs exactly these body bytes with the channel's secret."""
    if not header_value:
        return False
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may carry any byte
    # ("?" for what cannot be encoded is outside base64, so it never makes a match).
    presented = header_value.encode(errors="replace")
    return hmac.compare_digest(sign(secret, body).encode(), presented)
