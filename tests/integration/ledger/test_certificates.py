"""Gift certificates: issue, redeem once, wrong/used/expired codes, the wrong-code limit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.adapters.db.models.certificates import Certificate
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.certificates import code_digest
from bot.domain.errors import (
    CertificateAlreadyRedeemed,
    CertificateExpired,
    CertificateNotFound,
    InvalidCertificateCode,
    InvalidInput,
    PermissionDenied,
    RateLimited,
)
from bot.domain.program import Program
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, OWNER, MakeMember
from tests.integration.ledger.invariants import assert_ledger_consistent
from tests.kit.clock import FixedClock

NEVER_ISSUED = "GIFT-2222-2222-2222-2222"


async def test_owner_issues_codes_that_are_stored_only_as_digests(ledger: Ledger) -> None:
    batch = await ledger.issue_certificates(OWNER, 3, 500)

    assert len(set(batch.codes)) == 3
    stored = set(await Certificate.all().values_list("code_digest", flat=True))
    assert stored == {code_digest(code) for code in batch.codes}
    assert not stored & set(batch.codes)


async def test_only_the_owner_issues_certificates(ledger: Ledger) -> None:
    with pytest.raises(PermissionDenied):
        await ledger.issue_certificates(CASHIER, 1, 500)

    assert await Certificate.all().count() == 0


@pytest.mark.parametrize(("count", "points"), [(0, 500), (501, 500), (1, 0), (1, 1_000_001)])
async def test_a_batch_has_sane_sizes(ledger: Ledger, count: int, points: int) -> None:
    with pytest.raises(InvalidInput):
        await ledger.issue_certificates(OWNER, count, points)


async def test_a_code_pays_its_points_once(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    [code] = (await ledger.issue_certificates(OWNER, 1, 500)).codes

    # Typed loosely: lower case, spaces, a Cyrillic "С" for the Latin "C".
    typed = code.lower().replace("-", " ").replace("c", "с")
    redeemed = await ledger.redeem_certificate(member, typed)

    assert (redeemed.points, redeemed.balance) == (500, 500)
    with pytest.raises(CertificateAlreadyRedeemed):
        await ledger.redeem_certificate(member, code)
    certificate = await Certificate.get()
    assert certificate.used_at == clock.now()
    await assert_ledger_consistent()


async def test_an_expired_code_pays_nothing(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    [code] = (
        await ledger.issue_certificates(OWNER, 1, 500, clock.now() + timedelta(days=30))
    ).codes
    clock.advance(days=30)

    with pytest.raises(CertificateExpired):
        await ledger.redeem_certificate(member, code)

    assert (await MemberRow.get(id=member)).balance == 0


async def test_wrong_codes_are_told_apart(ledger: Ledger, make_member: MakeMember) -> None:
    member = await make_member()

    with pytest.raises(InvalidCertificateCode):
        await ledger.redeem_certificate(member, "hello")
    with pytest.raises(CertificateNotFound):
        await ledger.redeem_certificate(member, NEVER_ISSUED)

    assert {e.code for e in (InvalidCertificateCode(), CertificateNotFound())} == {
        "certificate-code-invalid",
        "certificate-not-found",
    }


async def test_five_wrong_codes_an_hour_lock_the_member_out_even_after_a_restart(
    ledger: Ledger,
    make_member: MakeMember,
    clock: FixedClock,
    program: Program,
) -> None:
    member, other = await make_member(), await make_member()
    [code] = (await ledger.issue_certificates(OWNER, 1, 500)).codes
    for _ in range(5):
        with pytest.raises((CertificateNotFound, InvalidCertificateCode)):
            await ledger.redeem_certificate(member, NEVER_ISSUED)
        clock.advance(minutes=1)

    restarted = Ledger(tortoise_uow_factory, clock, program)
    with pytest.raises(RateLimited) as limited:
        await restarted.redeem_certificate(member, code)  # even the right code

    # The oldest wrong code was typed 5 minutes ago: an hour after it, the limit lifts.
    assert limited.value.details["retry_after"] == 55 * 60
    assert (await restarted.redeem_certificate(other, code)).points == 500  # others unaffected
    clock.advance(minutes=55)
    with pytest.raises(CertificateAlreadyRedeemed):
        await restarted.redeem_certificate(member, code)


async def test_a_code_used_at_once_by_two_members_pays_once(
    ledger: Ledger, make_member: MakeMember
) -> None:
    members = [await make_member() for _ in range(4)]
    [code] = (await ledger.issue_certificates(OWNER, 1, 500)).codes

    outcomes = await asyncio.gather(
        *(ledger.redeem_certificate(member, code) for member in members * 3),
        return_exceptions=True,
    )

    paid = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(paid) == 1
    assert all(isinstance(o, CertificateAlreadyRedeemed) for o in outcomes if o not in paid)
    assert await LedgerEntry.filter(reason="certificate").count() == 1
    assert sum(await MemberRow.all().values_list("balance", flat=True)) == 500
    await assert_ledger_consistent()
