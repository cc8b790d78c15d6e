"""Who may send a channel's web-store webhooks: the channel's signature, or an API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials

from api.channel_formats import signatures
from api.deps import API_KEY, BEARER, Db, PermissionCheck, current_principal
from erp_core.domain.access import Permission
from erp_core.domain.errors import BadSignature


async def raw_body(request: Request) -> bytes:
    """The body as received: a signature covers these bytes, not a re-serialised parse."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]
_signature = APIKeyHeader(
    name=signatures.HEADER,
    scheme_name="ChannelSignature",
    auto_error=False,
    description="base64(HMAC-SHA256(channel secret, raw body)); for channels with a secret",
)


class WebhookSender:
    """Who may send a channel's web-store webhooks, as the actor the capture records.

    A channel with a secret in settings (KEEL_WEBHOOK_SECRETS) takes only webhooks whose
    signature header signs the raw body with it, recorded as `webhook:<code>`; an API key does
    not stand in for the signature. A channel without one takes them from API keys whose role
    may capture orders, as POST /v1/orders does. The route-table test reads `.permission` as
    off PermissionCheck.
    """

    permission = Permission.ORDERS_CAPTURE

    def __call__(
        self,
        code: Annotated[str, Path(max_length=64)],
        body: RawBody,
        request: Request,
        db: Db,
        signature: Annotated[str | None, Security(_signature)] = None,
        api_key: Annotated[str | None, Security(API_KEY)] = None,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> str:
        secret = db.settings.webhook_secrets.get(code)
        if secret is None:
            principal = current_principal(request, db, api_key, bearer)
            return PermissionCheck(self.permission)(principal).actor
        if not signatures.verify(secret, body, signature):
            raise BadSignature(
                f"the {signatures.HEADER} header is missing or does not sign this body with "
                f"the secret of channel {code}",
                channel=code,
            )
        return f"webhook:{code}"


WebhookActor = Annotated[str, Depends(WebhookSender())]
