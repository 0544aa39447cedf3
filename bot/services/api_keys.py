"""API keys of the POS / web-shop API: issued per outlet, shown once, stored as digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from bot.domain.errors import DomainError, NotFound, PermissionDenied
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.pos import KEY_ID_PREFIX, ApiClient, ApiKeyRecord, IssuedKey, split_key
from bot.domain.staff import Actor, Role

OUTLET_UNKNOWN = "outlet-unknown"
KEY_NOT_FOUND = "api-key-not-found"
OWNER_ONLY = "api-keys-owner-only"


class ApiKeyMissing(DomainError):
    """No key, or a text that is not a key at all."""

    code = "api-key-missing"


class ApiKeyInvalid(DomainError):
    """A well-formed key that is not ours (unknown id or wrong secret)."""

    code = "api-key-invalid"


class ApiKeyRevoked(PermissionDenied):
    code = "api-key-revoked"


def _require_owner(actor: Actor) -> None:
    if actor.role is not Role.OWNER:
        raise PermissionDenied("api-keys", reason=OWNER_ONLY)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    key_id = KEY_ID_PREFIX + secrets.token_hex(5)
    return key_id, f"{key_id}.{secrets.token_urlsafe(32)}"


class ApiKeys:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        key_factory: Callable[[], tuple[str, str]] = _new_key,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._new_key = key_factory

    async def create(self, actor: Actor, outlet_code: str) -> IssuedKey:
        """A new key for the outlet `outlet_code` (an unknown outlet is NotFound).

        - owners only (PermissionDenied): in the admin chat, or `SHELL_OPERATOR` at the CLI;
        - the key is `<key id>.<secret>`, the secret 32 random bytes (base64url);
        - only its SHA-256 is stored: the returned key is the one chance to see it;
        - audited (who, which key id, which outlet; never the secret)."""
        _require_owner(actor)
        now = self._clock.now()
        key_id, key = self._new_key()
        async with self._uow() as uow:
            outlet_id = await uow.api_keys.outlet_by_code(outlet_code)
            if outlet_id is None:
                raise NotFound(OUTLET_UNKNOWN, reason=OUTLET_UNKNOWN, outlet=outlet_code)
            await uow.api_keys.add(key_id, _digest(key), outlet_id, now)
            details: dict[str, object] = {"key_id": key_id, "outlet": outlet_code}
            await uow.staff.audit(actor, "api-key-create", None, details, now)
        return IssuedKey(key_id, key, outlet_code, now)

    async def revoke(self, actor: Actor, key_id: str) -> None:
        """Revoke a key at once (the next request with it is refused); owners only; NotFound
        when there is no such key or it was revoked already. Audited."""
        _require_owner(actor)
        now = self._clock.now()
        async with self._uow() as uow:
            if not await uow.api_keys.revoke(key_id, now):
                raise NotFound(KEY_NOT_FOUND, reason=KEY_NOT_FOUND, key_id=key_id)
            await uow.staff.audit(actor, "api-key-revoke", None, {"key_id": key_id}, now)

    async def outlets(self, actor: Actor) -> list[str]:
        """The codes of the outlets a key can be issued for (owners only)."""
        _require_owner(actor)
        async with self._uow() as uow:
            return await uow.coalition.outlet_codes()

    async def list_keys(self, actor: Actor) -> list[ApiKeyRecord]:
        """Every key (id, outlet, state; never a digest shown), owners only."""
        _require_owner(actor)
        async with self._uow() as uow:
            return await uow.api_keys.list()

    async def authenticate(self, key: str | None) -> ApiClient:
        """Who a request with this key acts for.

        - no key or not shaped like one: ApiKeyMissing; an unknown id or a wrong secret:
          ApiKeyInvalid (the digests are compared in constant time); revoked: ApiKeyRevoked.
        """
        parts = split_key(key) if key else None
        if parts is None:
            raise ApiKeyMissing(ApiKeyMissing.code)
        key_id, whole = parts
        async with self._uow() as uow:
            record = await uow.api_keys.by_key_id(key_id)
        if record is None or not hmac.compare_digest(record.digest, _digest(whole)):
            raise ApiKeyInvalid(ApiKeyInvalid.code)
        if record.revoked_at is not None:
            raise ApiKeyRevoked(ApiKeyRevoked.code)
        return ApiClient(record.id, record.key_id, record.outlet_id, record.partner_id)
