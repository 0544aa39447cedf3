"""The membership use cases on hand-written fakes: joining rules, attribution, card, erasure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.program_file import load_program
from bot.domain.card_token import card_code_for, verify_card_token
from bot.domain.errors import InvalidInput, JoinRequired, MemberNotFound, PhoneTaken, RateLimited
from bot.domain.joining import JoinStep
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import Member, MemberStatus, NewMember
from bot.domain.program import RewardReason
from bot.services.membership import Membership, Visitor
from bot.services.rewards import RewardResult
from tests.kit.clock import FixedClock

SECRET = b"unit-test-card-secret"
TTL = timedelta(minutes=5)
PROGRAM = load_program(Path(__file__).resolve().parents[3] / "program.toml")


class FakeMembers:
    def __init__(self) -> None:
        self.rows: dict[int, Member] = {}
        self.staff_codes: dict[str, int] = {}

    def _by(self, **match: Any) -> Member | None:
        return next(
            (m for m in self.rows.values() if all(getattr(m, k) == v for k, v in match.items())),
            None,
        )

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        return self._by(telegram_id=telegram_id)

    async def get(self, member_id: int) -> Member | None:
        return self.rows.get(member_id)

    async def add(self, new: NewMember, now: datetime) -> Member | None:
        if self._by(telegram_id=new.telegram_id):
            return None
        member = Member(
            id=len(self.rows) + 1,
            telegram_id=new.telegram_id,
            status=MemberStatus.JOINING,
            locale=new.locale,
            first_name=new.first_name,
            last_name=new.last_name,
            phone=None,
            birthday=None,
            card_code=new.card_code,
            referral_code=new.referral_code,
            source=new.source,
            balance=0,
            tier_code=new.tier_code,
            marketing_opt_in=True,
            reachable=True,
            joined_at=None,
            referred_by_id=new.referred_by_id,
            registered_by_id=new.registered_by_id,
        )
        self.rows[member.id] = member
        return member

    def _set(self, member_id: int, **values: Any) -> None:
        self.rows[member_id] = replace(self.rows[member_id], **values)

    async def set_locale(self, member_id: int, locale: str) -> None:
        self._set(member_id, locale=locale)

    async def set_card_code(self, member_id: int, card_code: str) -> None:
        self._set(member_id, card_code=card_code)

    async def id_by_referral_code(self, referral_code: str) -> int | None:
        member = self._by(referral_code=referral_code, status=MemberStatus.ACTIVE)
        return member.id if member else None

    async def active_staff_id_by_code(self, code: str) -> int | None:
        return self.staff_codes.get(code)

    async def phone_owner(self, phone: str) -> int | None:
        member = self._by(phone=phone)
        return member.id if member else None

    async def claim_imported(self, imported_id: int, visitor_id: int) -> bool:
        imported = self.rows.get(imported_id)
        visitor = self.rows.get(visitor_id)
        if visitor is None or imported is None:
            return False
        if imported.telegram_id is not None or imported.status is not MemberStatus.ACTIVE:
            return False
        del self.rows[visitor_id]
        self._set(
            imported_id,
            telegram_id=visitor.telegram_id,
            locale=visitor.locale,
            username=visitor.username,
            consented_at=visitor.consented_at,
        )
        return True

    async def record_consent(self, member_id: int, now: datetime) -> None:
        if self.rows[member_id].consented_at is None:
            self._set(member_id, consented_at=now)

    async def set_phone(self, member_id: int, phone: str) -> bool:
        self._set(member_id, phone=phone)
        return True

    async def set_name(self, member_id: int, first_name: str, last_name: str | None) -> None:
        self._set(member_id, first_name=first_name, last_name=last_name)

    async def activate(self, member_id: int, birthday: date | None, now: datetime) -> bool:
        if self.rows[member_id].status is not MemberStatus.JOINING:
            return False
        self._set(member_id, status=MemberStatus.ACTIVE, birthday=birthday, joined_at=now)
        return True

    async def set_marketing_opt_in(self, member_id: int, opt_in: bool) -> None:
        self._set(member_id, marketing_opt_in=opt_in)

    async def set_birthday(self, member_id: int, birthday: date) -> bool:
        if self.rows[member_id].birthday is not None:
            return False
        self._set(member_id, birthday=birthday)
        return True

    async def set_reachable(self, telegram_id: int, reachable: bool) -> bool:
        member = self._by(telegram_id=telegram_id)
        if member is None:
            return False
        self._set(member.id, reachable=reachable)
        return True

    async def forget(self, member_id: int, now: datetime) -> None:
        self._set(
            member_id,
            telegram_id=None,
            status=MemberStatus.FORGOTTEN,
            first_name=None,
            last_name=None,
            phone=None,
            birthday=None,
            marketing_opt_in=False,
            reachable=False,
        )


class FakeLedger:
    """The ledger's `grant_reward` contract: once per key, replayed after."""

    def __init__(self) -> None:
        self.granted: dict[str, tuple[int, RewardReason]] = {}

    async def grant_reward(
        self, member_id: int, reason: RewardReason, key: str, actor: LedgerActor
    ) -> RewardResult:
        points = PROGRAM.reward(reason)
        replayed = key in self.granted
        self.granted.setdefault(key, (member_id, reason))
        return RewardResult(member_id, reason.value, points, points, 1, replayed=replayed)


class FakeSurveys:
    def __init__(self) -> None:
        self.erased: list[tuple[int, set[tuple[str, str]]]] = []

    async def erase_answers(self, member_id: int, questions: set[tuple[str, str]]) -> None:
        self.erased.append((member_id, questions))


class FakeUnitOfWork:
    def __init__(self, members: FakeMembers) -> None:
        self.members = members
        self.surveys = FakeSurveys()

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def members() -> FakeMembers:
    return FakeMembers()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def ledger() -> FakeLedger:
    return FakeLedger()


@pytest.fixture
def service(members: FakeMembers, clock: FixedClock, ledger: FakeLedger) -> Membership:
    return Membership(
        lambda: FakeUnitOfWork(members),  # type: ignore[arg-type, return-value]
        clock,
        PROGRAM,
        card_secret=SECRET,
        card_ttl=TTL,
        ledger=ledger,  # type: ignore[arg-type]
    )


def visitor(telegram_id: int = 1, name: str = "Anna", locale: str = "ru") -> Visitor:
    return Visitor(telegram_id, name, None, None, locale)


async def joined(service: Membership, telegram_id: int, phone: str) -> Member:
    await service.open(visitor(telegram_id))
    await service.accept_terms(telegram_id)
    await service.share_phone(telegram_id, telegram_id, phone)
    await service.confirm_name(telegram_id, None)
    return (await service.finish_join(telegram_id, None)).member


async def test_first_visit_creates_a_member_with_a_derived_card_code(
    service: Membership, members: FakeMembers
) -> None:
    first = await service.open(visitor(1), "src_poster")
    second = await service.open(visitor(1), "src_site")

    assert first.step is JoinStep.CONSENT
    assert second.member == first.member
    assert len(members.rows) == 1
    assert first.member.card_code == card_code_for(first.member.id, SECRET)
    assert (first.member.source, first.member.tier_code) == ("poster", "silver")


async def test_referral_needs_an_active_member_and_staff_link_an_active_staff_code(
    service: Membership, members: FakeMembers
) -> None:
    olga = await joined(service, 1, "+79990000001")
    members.staff_codes["KATE"] = 7
    pending = (await service.open(visitor(9))).member  # joining: cannot refer yet

    by_friend = (await service.open(visitor(2), f"ref_{olga.referral_code}")).member
    by_pending = (await service.open(visitor(3), f"ref_{pending.referral_code}")).member
    by_staff = (await service.open(visitor(4), "st_KATE")).member
    by_unknown_staff = (await service.open(visitor(5), "st_NOBODY")).member
    garbled = (await service.open(visitor(6), "ref_")).member

    assert (by_friend.referred_by_id, by_friend.source) == (olga.id, "referral")
    assert (by_pending.referred_by_id, by_pending.source) == (None, "direct")
    assert (by_staff.registered_by_id, by_staff.source) == (7, "staff")
    assert (by_unknown_staff.registered_by_id, by_unknown_staff.source) == (None, "direct")
    assert (garbled.referred_by_id, garbled.source) == (None, "direct")


async def test_consent_is_recorded_once_with_its_time(
    service: Membership, clock: FixedClock
) -> None:
    await service.open(visitor(1))
    first = await service.accept_terms(1)
    clock.advance(hours=1)
    again = await service.accept_terms(1)

    assert first.step is JoinStep.PHONE
    assert again.member.consented_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_phone_rules(service: Membership, members: FakeMembers) -> None:
    await joined(service, 1, "+79990000001")
    await service.open(visitor(2))

    with pytest.raises(InvalidInput) as before_consent:
        await service.share_phone(2, 2, "+79990000002")
    await service.accept_terms(2)
    with pytest.raises(InvalidInput) as foreign:
        await service.share_phone(2, 3, "+79990000002")
    with pytest.raises(InvalidInput) as garbled:
        await service.share_phone(2, 2, "call me")
    with pytest.raises(PhoneTaken):
        await service.share_phone(2, 2, "79990000001")
    reasons = [e.value.details["reason"] for e in (before_consent, foreign, garbled)]
    assert reasons == ["not-now", "contact-not-own", "phone-invalid"]
    assert (await members.by_telegram_id(2)).phone is None  # type: ignore[union-attr]

    progress = await service.share_phone(2, 2, "8 (999) 000-00-02")
    assert (progress.member.phone, progress.step) == ("+89990000002", JoinStep.DETAILS)


async def test_name_and_birthday_finish_joining_once_with_one_welcome_bonus(
    service: Membership, clock: FixedClock, ledger: FakeLedger
) -> None:
    await service.open(visitor(1, "anna_2000"))
    await service.accept_terms(1)
    await service.share_phone(1, 1, "+79990000001")

    member = await service.confirm_name(1, "Анна Мария Петрова")
    joined_ = await service.finish_join(1, "29.02.2024")

    assert (member.first_name, member.last_name) == ("Анна", "Мария Петрова")
    assert joined_.member.status is MemberStatus.ACTIVE
    assert joined_.member.birthday == date(2024, 2, 29)
    assert joined_.member.joined_at == clock.now()
    assert joined_.welcome_points == 100
    again = await service.finish_join(1, None)  # the last answer sent twice
    assert (again.welcome_points, again.member.birthday) == (0, date(2024, 2, 29))
    assert ledger.granted == {"welcome:1": (1, RewardReason.WELCOME)}


async def test_details_before_the_phone_step_are_refused(service: Membership) -> None:
    await service.open(visitor(1))
    await service.accept_terms(1)
    for attempt in (service.confirm_name(1, "Anna"), service.finish_join(1, None)):
        with pytest.raises(InvalidInput) as error:
            await attempt
        assert error.value.details["reason"] == "not-now"


async def test_the_birthday_is_checked_against_the_programs_local_date(
    service: Membership, clock: FixedClock
) -> None:
    # 22:30 UTC on 2 March is already 3 March in Moscow.
    clock.current = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    await service.open(visitor(1))
    await service.accept_terms(1)
    await service.share_phone(1, 1, "+79990000001")
    joined_ = await service.finish_join(1, "03.03.2026")
    assert joined_.member.birthday == date(2026, 3, 3)


async def test_card_is_for_active_members_and_verifies(
    service: Membership, clock: FixedClock
) -> None:
    await service.open(visitor(2))
    with pytest.raises(JoinRequired):
        await service.card(2)
    member = await joined(service, 1, "+79990000001")

    card = await service.card(1)

    assert verify_card_token(card.token, clock.now(), SECRET, TTL) == member.id
    assert (card.code, card.valid_for) == (card_code_for(member.id, SECRET), TTL)


async def test_language_must_be_supported(service: Membership) -> None:
    await service.open(visitor(1))
    with pytest.raises(InvalidInput):
        await service.choose_language(1, "de")
    assert (await service.choose_language(1, "en")).member.locale == "en"


async def test_forget_erases_personal_fields_and_forgets_the_telegram_id(
    service: Membership, members: FakeMembers
) -> None:
    member = await joined(service, 1, "+79990000001")
    await service.forget(1)

    row = members.rows[member.id]
    assert row.status is MemberStatus.FORGOTTEN
    assert (row.telegram_id, row.first_name, row.phone) == (None, None, None)
    assert await service.progress(1) is None
    with pytest.raises(MemberNotFound):
        await service.forget(1)


async def test_blocking_and_unblocking_set_reachable(
    service: Membership, members: FakeMembers
) -> None:
    member = await joined(service, 1, "+79990000001")

    assert await service.set_reachable(1, False) is True
    assert members.rows[member.id].reachable is False
    assert await service.set_reachable(1, True) is True
    assert members.rows[member.id].reachable is True
    assert await service.set_reachable(2, False) is False  # a stranger: nothing to mark


async def test_a_card_per_interval(service: Membership, clock: FixedClock) -> None:
    await joined(service, 1, "+79990000001")
    await joined(service, 2, "+79990000002")
    first = await service.card(1)
    assert (first.display_name, first.tier_code) == ("Anna", "silver")

    clock.advance(seconds=9)
    with pytest.raises(RateLimited) as refused:
        await service.card(1)
    assert refused.value.details == {"reason": "card-refresh", "seconds": 1}
    assert (await service.card(2)).token  # another member is not limited

    clock.advance(seconds=1)
    assert (await service.card(1)).token != first.token


async def test_the_birthday_is_added_once_after_joining(service: Membership) -> None:
    await service.open(visitor(1))
    with pytest.raises(JoinRequired):
        await service.set_birthday(1, "24.05.1990")
    await joined(service, 1, "+79990000001")
    with pytest.raises(InvalidInput) as future:
        await service.set_birthday(1, "2090-01-01")
    assert future.value.details["reason"] == "birthday-in-future"

    member = await service.set_birthday(1, "24.05.1990")
    assert member.birthday == date(1990, 5, 24)
    with pytest.raises(InvalidInput) as again:
        await service.set_birthday(1, "01.01.1980")
    assert again.value.details["reason"] == "birthday-already-set"


async def test_a_stranger_choosing_a_language_stores_nothing(
    service: Membership, members: FakeMembers
) -> None:
    assert await service.choose_language(7, "en") is None
    assert members.rows == {}
    with pytest.raises(InvalidInput):
        await service.choose_language(7, "xx")
