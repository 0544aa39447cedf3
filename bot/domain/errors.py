"""Domain errors. Each has a stable `code`: entry points map codes to a localized reply
(`error-<code>` in locales/) or an HTTP status, in one place each."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain-error"

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message or self.code)
        self.details = details


class NotFound(DomainError):
    code = "not-found"


class MemberNotFound(NotFound):
    code = "member-not-found"


class PermissionDenied(DomainError):
    code = "permission-denied"


class InvalidInput(DomainError):
    code = "invalid-input"


class InsufficientPoints(DomainError):
    code = "insufficient-points"


class RedemptionBlocked(DomainError):
    """The member's balance is negative (after a refund): no redemption until it is positive."""

    code = "redemption-blocked"


class IdempotencyConflict(DomainError):
    """The idempotency key was already used for a different request."""

    code = "idempotency-conflict"


class RateLimited(DomainError):
    code = "rate-limited"


class InvalidCertificateCode(InvalidInput):
    """The text is not a gift-certificate code at all (wrong length or characters)."""

    code = "certificate-code-invalid"


class CertificateNotFound(NotFound):
    code = "certificate-not-found"


class CertificateAlreadyRedeemed(DomainError):
    code = "certificate-already-redeemed"


class CertificateExpired(DomainError):
    code = "certificate-expired"


class CardTokenInvalid(InvalidInput):
    """A QR card token that is garbled, truncated, forged, signed with another key or from the
    future."""

    code = "card-token-invalid"


class CardTokenExpired(DomainError):
    """A genuine QR card token older than its TTL: the customer should refresh the card."""

    code = "card-token-expired"


class CardTokenReplayed(DomainError):
    """A card token that already served an operation (a screenshot shown twice)."""

    code = "card-token-replayed"


class InviteInvalid(DomainError):
    """A staff invite that does not exist, was used, or expired."""

    code = "invite-invalid"


class ScanClosed(DomainError):
    """The card view's operation was done already, or the view is too old: scan again."""

    code = "scan-closed"


class PhoneTaken(DomainError):
    """The shared phone already belongs to another member."""

    code = "phone-taken"


class JoinRequired(DomainError):
    """The action needs a member who finished joining (consent, phone, name)."""

    code = "join-required"


class CampaignNotFound(NotFound):
    code = "campaign-not-found"


class NothingToRedeem(DomainError):
    """No points can be spent on this check: the balance is empty (`no-points`), or the
    allowed share of the check is below the minimum redemption (`below-minimum`)."""

    code = "nothing-to-redeem"


class RedemptionClosed(DomainError):
    """The redemption request was decided already or has expired (`reason` is its status)."""

    code = "redemption-closed"
