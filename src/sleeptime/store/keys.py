"""API keys for the service: created with a secret shown once, checked by its hash.

Keys are random 256-bit tokens, so a plain SHA-256 is the right hash (a slow password
hash protects guessable secrets; these are not guessable) and lets a request be
authenticated with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from sleeptime.errors import InputError, NotFoundError
from sleeptime.names import check_name
from sleeptime.store.base import StoreBase
from sleeptime.store.records import ApiKeyRecord
from sleeptime.store.schema import ApiKey, utcnow

KEY_PREFIX = "st-"
MAX_KEY_CHARS = 200


def key_hash(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class KeysMixin(StoreBase):
    """Methods for API keys."""

    def create_api_key(self, tenant: str, name: str) -> tuple[ApiKeyRecord, str]:
        """Create a key for ``tenant``; returns its record and the secret (shown once)."""
        check_name(tenant, "tenant")
        check_name(name, "key name")
        key_id = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}{key_id}-{secrets.token_urlsafe(32)}"
        with self._tx("creating an API key", write=True) as session:
            row = ApiKey(
                id=key_id, tenant=tenant, name=name, sha256=key_hash(secret), created_at=utcnow()
            )
            session.add(row)
            session.flush()
            return ApiKeyRecord.of(row), secret

    def tenant_of_key(self, secret: str) -> str | None:
        """The tenant of a valid, unrevoked key; None for anything else."""
        if not secret.startswith(KEY_PREFIX) or len(secret) > MAX_KEY_CHARS:
            return None
        # Every request runs this: a Core query on a bare connection, not an ORM session
        # (about half the cost; bench/service_latency.py).
        query = select(ApiKey.tenant, ApiKey.revoked_at).where(ApiKey.sha256 == key_hash(secret))
        with self._conn("checking an API key") as conn:
            row = conn.execute(query).first()
        if row is None or row.revoked_at is not None:
            return None
        return str(row.tenant)

    def list_api_keys(self, tenant: str | None = None) -> list[ApiKeyRecord]:
        """Keys (of one tenant, or all), oldest first."""
        query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
        if tenant is not None:
            query = query.where(ApiKey.tenant == tenant)
        with self._tx("listing API keys") as session:
            return [ApiKeyRecord.of(row) for row in session.scalars(query)]

    def revoke_api_key(self, key_id: str, *, tenant: str) -> ApiKeyRecord:
        """Revoke one of ``tenant``'s keys by id; requests with it are refused from now on."""
        if not key_id or len(key_id) > 16:
            raise InputError(f"{key_id!r} is not a key id; see `keys list` for the ids")
        with self._tx("revoking an API key", write=True) as session:
            row = session.get(ApiKey, key_id, with_for_update=True)
            if row is None or row.tenant != tenant:
                raise NotFoundError(f"no API key with id {key_id!r} in tenant {tenant!r}")
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            return ApiKeyRecord.of(row)

    def count_api_keys(self) -> int:
        """How many unrevoked keys exist (a fresh service creates its first one)."""
        with self._tx("counting API keys") as session:
            return len(session.scalars(select(ApiKey.id).where(ApiKey.revoked_at.is_(None))).all())
