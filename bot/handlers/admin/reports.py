"""`/campaigns`, `/stats [days]` and `/review` in the admin chat (or an owner's private chat):
text plus chart images. The service checks the sender's role; the chat proves nothing."""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.adapters import charts
from bot.adapters.i18n import Translator
from bot.domain.program import Program
from bot.domain.reports import CampaignStats
from bot.domain.staff import Actor
from bot.services.reports import Reports


def percent(value: Fraction | None) -> str:
    """A rate as "12.5 %" (signed for a lift: "+3.0 %"), "—" when undefined."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f} %"


def signed_percent(value: Fraction | None) -> str:
    """A change as "+12.5 %" or "-3.0 %", "—" when undefined."""
    if value is None:
        return "—"
    return ("+" if value >= 0 else "") + percent(value)


def _line(t: Translator, stats: CampaignStats) -> str:
    return t(
        "campaigns-line",
        name=stats.name,
        delivered=stats.delivered,
        redeemed=stats.redeemed,
        conversion=percent(stats.conversion),
        held_out=stats.held_out,
        lift=signed_percent(stats.lift),
    )


async def cmd_campaigns(message: Message, actor: Actor, reports: Reports, t: Translator) -> None:
    automations, broadcasts = await reports.campaigns(actor)
    if not automations and not broadcasts:
        await message.answer(t("campaigns-none"))
        return
    lines = [t("campaigns-title")]
    if automations:
        lines += [t("campaigns-automations"), *(_line(t, c) for c in automations)]
    if broadcasts:
        lines += [t("campaigns-broadcasts"), *(_line(t, c) for c in broadcasts[:20])]
    await message.answer("\n".join(lines))


async def cmd_stats(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    reports: Reports,
    t: Translator,
    program: Program,
) -> None:
    argument = (command.args or "30").strip().lower().removesuffix("d")
    if not argument.isdigit():
        await message.answer(t("stats-usage"))
        return
    kpis = await reports.kpis(actor, int(argument))
    channels = ", ".join(f"{name}: {count}" for name, count in kpis.new_by_channel.items())
    average = kpis.average_check
    off_peak = kpis.off_peak
    frequency = kpis.visit_frequency
    await message.answer(
        t(
            "stats-text",
            days=int(argument),
            members=kpis.members_total,
            new=kpis.new_members,
            channels=channels or "—",
            active=kpis.active,
            repeat=percent(kpis.repeat_rate),
            average="—" if average is None else t.money(average, program.currency),
            frequency="—" if frequency is None else f"{float(frequency):.2f}",
            issued=kpis.points_issued,
            redeemed=kpis.points_redeemed,
            outstanding=kpis.points_outstanding,
            redemption=percent(kpis.redemption_rate),
            vip=kpis.vip_count,
            vip_share=percent(kpis.vip_share),
            lapsed=kpis.lapsed,
            returned=kpis.returned,
            off_peak_now=off_peak.current if off_peak else 0,
            off_peak_before=off_peak.previous if off_peak else 0,
            off_peak=signed_percent(off_peak.uplift if off_peak else None),
            nps="—" if kpis.nps.score is None else kpis.nps.score,
            nps_answers=kpis.nps.answers,
        )
    )
    automations, broadcasts = await reports.campaigns(actor)
    funnel = [(c.name, c.delivered, c.redeemed) for c in [*automations, *broadcasts[:10]]]
    images = [
        ("growth.png", charts.member_growth(kpis.growth, t("stats-chart-growth"))),
        ("heatmap.png", charts.sales_heatmap(kpis.heatmap, t("stats-chart-heatmap"))),
        (
            "funnel.png",
            charts.campaign_funnel(
                funnel,
                t("stats-chart-funnel"),
                (t("stats-chart-delivered"), t("stats-chart-redeemed")),
            ),
        ),
    ]
    for filename, png in images:
        await bot.send_photo(message.chat.id, BufferedInputFile(png, filename=filename))


def _result(t: Translator, stats: CampaignStats | None) -> str:
    return t("review-none") if stats is None else _line(t, stats)


async def cmd_review(
    message: Message, bot: Bot, actor: Actor, reports: Reports, t: Translator, program: Program
) -> None:
    review = await reports.review(actor)
    regulars = review.regulars
    growth = regulars.growth
    board = [
        t("review-staff-line", name=s.name, registered=s.registered, purchases=s.purchases)
        for s in review.leaderboard[:10]
    ]
    await message.answer(
        t(
            "review-text",
            since="—" if review.since is None else review.since.date().isoformat(),
            vip=_result(t, review.vip),
            off_peak=_result(t, review.off_peak),
            off_peak_sales=review.off_peak_sales,
            treated=review.winback_treated,
            returned=review.winback_returned,
            best=_result(t, review.best),
            regulars=regulars.regulars,
            first=t.money(regulars.first_spend, program.currency),
            recent=t.money(regulars.recent_spend, program.currency),
            growth=signed_percent(growth),
            channels=", ".join(f"{k}: {v}" for k, v in review.registrations.items()) or "—",
            staff="\n".join(board) or "—",
        )
    )
    automations, broadcasts = await reports.campaigns(actor)
    promotions = [
        (c.name, float(c.conversion or 0) * 100) for c in [*automations, *broadcasts[:10]]
    ]
    images = [
        (
            "registrations.png",
            charts.bars(list(review.registrations.items()), t("review-chart-channels")),
        ),
        ("promotions.png", charts.bars(promotions, t("review-chart-promotions"))),
        (
            "regulars.png",
            charts.bars(
                [
                    (t("review-chart-first"), regulars.first_spend / 100),
                    (t("review-chart-recent"), regulars.recent_spend / 100),
                ],
                t("review-chart-regulars"),
            ),
        ),
    ]
    for filename, png in images:
        await bot.send_photo(message.chat.id, BufferedInputFile(png, filename=filename))


def create_router(admin_chat_ids: Collection[int]) -> Router:
    router = Router(name="admin.reports")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_campaigns, Command("campaigns"))
    router.message.register(cmd_stats, Command("stats"))
    router.message.register(cmd_review, Command("review"))
    return router
