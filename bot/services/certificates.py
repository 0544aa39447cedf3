"""Gift certificates: issued by the owner, redeemed by a member into points."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.certificates import code_digest, generate_code, normalize_code
from bot.domain.errors import (
    CertificateAlreadyRedeemed,
    CertificateExpired,
    CertificateNotFound,
    DomainError,
    InvalidCertificateCode,
    InvalidInput,
    MemberNotFound,
    RateLimited,
)
from bot.domain.ledger import EntryReason, idempotency_key
from bot.domain.ledger_records import LedgerActor
from bot.domain.ports import KeyTaken
from bot.services.ledger_core import LedgerCore, require_active, require_owner

MAX_BATCH = 500
MAX_POINTS = 1_000_000
WRONG_CODES_PER_WINDOW = 5
WRONG_CODES_WINDOW = timedelta(hours=1)
COUNT_INVALID = "certificate-count-invalid"
POINTS_INVALID = "certificate-points-invalid"
EXPIRY_INVALID = "certificate-expiry-invalid"


@dataclass(frozen=True, slots=True)
class CertificateBatch:
    codes: tuple[str, ...]
    """Shown to the owner once: the database keeps only their digests."""
    points: int
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class CertificateRedemption:
    certificate_id: int
    member_id: int
    points: int
    balance: int


class Certificates(LedgerCore):
    async def issue_certificates(
        self,
        actor: LedgerActor,
        count: int,
        points: int,
        expires_at: datetime | None = None,
    ) -> CertificateBatch:
        """New certificate codes worth `points` each.

        - owners only (PermissionDenied);
        - 1..500 codes, 1..1 000 000 points each, an expiry (if any) in the future
          (InvalidInput);
        - the codes are returned once and stored as SHA-256 digests only, so a leaked
          database holds no spendable code; ~79 random bits each (bot/domain/certificates.py).
        """
        require_owner(actor, "issue-certificates")
        now = self._clock.now()
        if not 1 <= count <= MAX_BATCH:
            raise InvalidInput(COUNT_INVALID, reason=COUNT_INVALID, max_count=MAX_BATCH)
        if not 1 <= points <= MAX_POINTS:
            raise InvalidInput(POINTS_INVALID, reason=POINTS_INVALID, max_points=MAX_POINTS)
        if expires_at is not None and expires_at <= now:
            raise InvalidInput(EXPIRY_INVALID, reason=EXPIRY_INVALID)
        randbytes = self._randbytes or secrets.token_bytes
        for attempt in (1, 2):
            codes = tuple(generate_code(randbytes) for _ in range(count))
            try:
                async with self._uow() as uow:
                    await uow.certificates.add(
                        [code_digest(code) for code in codes], points, expires_at, actor.id, now
                    )
                return CertificateBatch(codes, points, expires_at)
            except KeyTaken:
                # A repeated code (about 2^-79 per pair): draw the batch again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def redeem_certificate(self, member_id: int, code_text: str) -> CertificateRedemption:
        """A member types a certificate code and gets its points.

        - an active member;
        - after 5 wrong codes within an hour, RateLimited (with `retry_after` seconds) until
          the oldest of them is an hour old; the wrong codes are counted in the database, so
          a restart does not reset them. Only wrong codes count: garbled text
          (InvalidCertificateCode) and codes that were never issued (CertificateNotFound);
        - a used code is CertificateAlreadyRedeemed, an expired one CertificateExpired;
        - single use under concurrency: the certificate is claimed by a guarded UPDATE
          (`WHERE used_at IS NULL`), so of two members typing the same code at once exactly
          one is paid;
        - the points go into a lot that expires like earned points.
        """
        now = self._clock.now()
        failure: DomainError | None = None
        async with self._uow() as uow:
            account = await uow.ledger.lock_account(member_id)
            if account is None:
                raise MemberNotFound("member-not-found")
            require_active(account)
            wrong = await uow.certificates.failed_attempts(member_id, now - WRONG_CODES_WINDOW)
            if len(wrong) >= WRONG_CODES_PER_WINDOW:
                lifts_at = wrong[len(wrong) - WRONG_CODES_PER_WINDOW] + WRONG_CODES_WINDOW
                retry_after = max(1, int((lifts_at - now).total_seconds()))
                raise RateLimited(
                    "certificate-attempts",
                    reason="certificate-attempts",
                    retry_after=retry_after,
                    retry_minutes=-(-retry_after // 60),
                )
            canonical = normalize_code(code_text)
            certificate = (
                None
                if canonical is None
                else await uow.certificates.by_digest(code_digest(canonical))
            )
            if certificate is None:
                # Recorded, and committed: the error is raised after the transaction.
                await uow.certificates.add_failed_attempt(member_id, now)
                failure = InvalidCertificateCode() if canonical is None else CertificateNotFound()
            elif certificate.used_at is not None:
                raise CertificateAlreadyRedeemed()
            elif certificate.expires_at is not None and certificate.expires_at <= now:
                raise CertificateExpired(expired_at=certificate.expires_at.isoformat())
            elif not await uow.certificates.claim(certificate.id, member_id, now):
                raise CertificateAlreadyRedeemed()
            else:
                entry = await self._credit(
                    uow,
                    member_id,
                    certificate.points,
                    EntryReason.CERTIFICATE,
                    idempotency_key("certificate", certificate.id),
                    LedgerActor.member(member_id),
                    now,
                )
                redemption = CertificateRedemption(
                    certificate.id, member_id, certificate.points, entry.balance_after
                )
        if failure is not None:
            raise failure
        return redemption
