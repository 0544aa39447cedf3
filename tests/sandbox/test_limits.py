"""Rate limits and fault injection: the rules on their own, then as a real aiogram Bot sees them."""

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.sandbox.client import SandboxClient, sandbox_bot
from bot.sandbox.limits import FaultInjector, LimitConfig, RateLimiter, make_fault
from bot.sandbox.server import running

TOKEN = "42:LIMITS-TEST"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# The rules ----------------------------------------------------------------------------------


def test_per_chat_limit_admits_one_send_per_second_window():
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(), clock)

    assert limiter.acquire(1, paid=False) is None
    clock.advance(0.5)
    limited = limiter.acquire(1, paid=False)
    assert limited is not None
    assert (limited.rule, limited.retry_after) == ("per_chat", 1)
    assert limiter.acquire(2, paid=False) is None  # other chats are not affected
    clock.advance(0.5)  # exactly one second after the first send: it has left the window
    assert limiter.acquire(1, paid=False) is None


def test_global_limit_counts_sends_across_chats():
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(global_per_second=3), clock)

    assert [limiter.acquire(chat, paid=False) for chat in (1, 2, 3)] == [None, None, None]
    limited = limiter.acquire(4, paid=False)
    assert limited is not None
    assert limited.rule == "global"
    clock.advance(1.0)
    assert limiter.acquire(4, paid=False) is None


def test_paid_broadcast_has_its_own_higher_limit():
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(global_per_second=2, paid_per_second=5), clock)

    assert limiter.acquire(1, paid=False) is None
    assert limiter.acquire(2, paid=False) is None
    assert limiter.acquire(3, paid=False) is not None
    assert all(limiter.acquire(chat, paid=True) is None for chat in (10, 11, 12, 13, 14))
    limited = limiter.acquire(15, paid=True)
    assert limited is not None
    assert limited.rule == "paid"


def test_rejected_sends_are_counted_as_violations_and_do_not_use_the_window():
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(), clock)
    limiter.acquire(1, paid=False)

    for _ in range(3):
        limiter.acquire(1, paid=False, method="sendmessage")
    clock.advance(1.0)

    assert limiter.violations == {"per_chat": 3}
    assert limiter.recent_violations[-1]["method"] == "sendmessage"
    assert limiter.acquire(1, paid=False) is None


def test_retry_after_is_whole_seconds_and_at_least_one():
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(per_chat_per_second=1, window_seconds=3.0), clock)
    limiter.acquire(1, paid=False)
    clock.advance(0.2)

    limited = limiter.acquire(1, paid=False)

    assert limited is not None
    assert limited.retry_after == 3  # 2.8 s rounded up


def test_fault_rules_apply_to_the_next_matching_calls_only():
    faults = FaultInjector()
    faults.inject(make_fault(500), count=2, chat_id=7)

    assert faults.take("sendmessage", "8") is None
    assert faults.take("editmessagetext", "7") is None
    assert faults.take("sendmessage", "7").error_code == 500
    assert faults.take("sendmessage", "7").error_code == 500
    assert faults.take("sendmessage", "7") is None
    assert faults.injected == {500: 2}


def test_random_faults_are_reproducible_with_a_seed():
    def pattern() -> list[bool]:
        faults = FaultInjector()
        faults.set_random(0.3, seed=123, error_codes=[500, 502])
        return [faults.take("sendmessage", "1") is not None for _ in range(200)]

    first = pattern()
    assert first == pattern()
    assert 30 < sum(first) < 90


def test_a_fault_needs_a_known_code_or_a_hang():
    with pytest.raises(ValueError):
        make_fault(None)
    with pytest.raises(ValueError):
        make_fault(418)
    assert make_fault(429, retry_after=5).description == "Too Many Requests: retry after 5"
    assert make_fault(None, hang_seconds=1.0).error_code is None


# Through a real aiogram Bot -----------------------------------------------------------------


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
async def sandbox(clock):
    limits = LimitConfig(global_per_second=3, paid_per_second=10)
    async with running(tokens=[TOKEN], limits=limits, clock=clock) as server:
        yield server


@pytest.fixture
async def bot(sandbox):
    bot = sandbox_bot(sandbox.url, TOKEN)
    yield bot
    await bot.session.close()


@pytest.fixture
async def sb(sandbox):
    async with SandboxClient(sandbox.url) as client:
        for user_id in range(1, 11):
            await client.create_user(user_id, started=True)
        yield client


async def test_second_message_to_a_chat_within_a_second_raises_retry_after(bot, sb, clock):
    await bot.send_message(1, "first")

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1, "second")

    assert caught.value.retry_after == 1
    assert "Too Many Requests: retry after 1" in caught.value.message
    clock.advance(1.0)
    await bot.send_message(1, "second, later")
    stats = await sb.stats()
    assert stats["rate_limited"] == 1
    assert stats["rate_limit_violations"] == {"per_chat": 1}
    assert [m.text for m in await sb.sent_to(1)] == ["first", "second, later"]


async def test_global_limit_and_paid_broadcast(bot, sb):
    for chat in (1, 2, 3):
        await bot.send_message(chat, "hi")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(4, "hi")

    sent = await bot.send_message(4, "paid", allow_paid_broadcast=True)

    assert sent.text == "paid"
    stats = await sb.stats()
    assert stats["paid_sends"] == 1
    assert stats["rate_limit_violations"] == {"global": 1}
    assert (await sb.sent_to(4))[0].paid_broadcast is True


async def test_edits_are_not_rate_limited(bot, sb):
    sent = await bot.send_message(1, "v0")
    for version in range(1, 4):
        await bot.edit_message_text(f"v{version}", chat_id=1, message_id=sent.message_id)

    assert (await sb.stats())["rate_limited"] == 0


async def test_injected_errors_come_first_then_calls_recover(bot, sb):
    await sb.inject_fault(error_code=500, count=2, chat_id=1)

    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(1, "try")
    sent = await bot.send_message(1, "finally")

    assert sent.text == "finally"
    assert (await sb.stats())["injected_faults"] == {"500": 2}


@pytest.mark.parametrize(
    ("code", "error"),
    [(400, TelegramBadRequest), (403, TelegramForbiddenError), (502, TelegramServerError)],
)
async def test_injected_error_codes_map_to_aiogram_exceptions(bot, sb, code, error):
    await sb.inject_fault(error_code=code)

    with pytest.raises(error):
        await bot.send_message(2, "x")


async def test_injected_429_carries_retry_after(bot, sb):
    await sb.inject_fault(error_code=429, retry_after=7)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(2, "x")

    assert caught.value.retry_after == 7
    assert (await sb.stats())["rate_limited"] == 0  # injected, not caused by the bot


async def test_a_hang_times_the_client_out_but_the_message_is_still_delivered(bot, sb):
    await sb.inject_fault(hang_seconds=0.6)

    with pytest.raises(TelegramNetworkError):
        await bot.send_message(3, "slow", request_timeout=0.2)

    delivered = await sb.wait_for_message(3, timeout=3)
    assert delivered.text == "slow"  # a retry now would send it twice


async def test_random_faults_hit_a_share_of_calls(bot, sb, clock):
    await sb.set_random_faults(0.5, seed=1, error_codes=[500])
    outcomes = []
    for _ in range(20):
        clock.advance(1.0)
        try:
            await bot.send_message(5, "x")
            outcomes.append("ok")
        except TelegramServerError:
            outcomes.append("500")

    assert 0 < outcomes.count("500") < 20
    await sb.clear_faults()
    clock.advance(1.0)
    await bot.send_message(5, "after clearing")


async def test_faults_can_target_another_method(bot, sb):
    await sb.inject_fault(error_code=400, method="getMe", description="Bad Request: nope")

    with pytest.raises(TelegramBadRequest, match="nope"):
        await bot.get_me()
    await bot.get_me()


async def test_hang_then_error(bot, sb):
    await sb.inject_fault(error_code=502, hang_seconds=0.3, count=2)

    with pytest.raises(TelegramNetworkError):  # the hang comes first...
        await bot.send_message(6, "x", request_timeout=0.1)
    with pytest.raises(TelegramServerError):  # ...then the error
        await bot.send_message(6, "x")

    assert (await sb.stats())["injected_faults"] == {"502": 2}
    assert await sb.sent_to(6) == []
