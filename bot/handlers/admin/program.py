"""`/program` (the active rules) and `/reload` (re-read the program file) in the admin chat or
an owner's private chat.

`/program` is for owners and managers; `/reload` for owners only (the reloader checks). A file
that fails validation is answered with its file, field and reason, and the running rules stay:
the reloader swaps nothing until the new file has been parsed and built into services.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from typing import Protocol

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.adapters.i18n import Translator
from bot.adapters.program_file import ProgramFileError
from bot.domain.errors import PermissionDenied
from bot.domain.program import Automation, Localized, Offer, Program, RewardReason, localized
from bot.domain.staff import Actor
from bot.domain.surveys import Survey

MESSAGE_LIMIT = 4096
"""Telegram's limit on a message's text (after entities are parsed; HTML tags do not count,
so measuring the markup errs on the safe side)."""


class ProgramReloader(Protocol):
    async def reload(self, actor: Actor) -> Program:
        """Parse the program file and switch everything to it; raises `ProgramFileError`
        (nothing switched) or `PermissionDenied`."""
        ...


def require_manager(actor: Actor) -> None:
    if not actor.can_manage:
        raise PermissionDenied("owners and managers only")


def split_message(sections: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Sections joined by blank lines into as few messages as fit `limit`; a section longer than
    `limit` is cut between lines (a single longer line, between characters)."""
    messages: list[str] = []
    current = ""
    for section in sections:
        for piece in _pieces(section, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _pieces(section: str, limit: int) -> list[str]:
    if len(section) <= limit:
        return [section]
    pieces: list[str] = []
    current = ""
    for line in section.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


def percent(basis_points: int) -> str:
    """250 bp -> "2.5", 300 bp -> "3": exact, no float."""
    value = Decimal(basis_points) / 100
    return f"{value.normalize():f}"


def program_sections(t: Translator, program: Program) -> list[str]:
    """The active rules as HTML sections in the reader's language. Names come from the program
    file and are escaped."""
    name = _name_in(t)
    money = _money_in(t, program)
    sections = [
        t(
            "program-title",
            name=html.escape(program.name),
            model=t(f"program-model-{program.model.value}"),
            currency=program.currency,
            timezone=program.timezone,
        )
    ]
    if program.earns_points:
        earn, redeem, expiry = program.earn, program.redeem, program.expiry
        max_points = earn.max_points_per_purchase
        sections.append(
            t(
                "program-points",
                point_value=money(redeem.point_value),
                min_purchase=money(earn.min_purchase),
                max_points=t("program-unlimited") if max_points is None else max_points,
                min_points=redeem.min_points,
                max_share=percent(redeem.max_share_bp),
                expiry=t("program-never")
                if expiry.after_days is None
                else t("program-expiry-days", days=expiry.after_days),
            )
        )
    sections.append(
        _list(
            t("program-tiers", days=program.tiers.window_days),
            (
                t(
                    "program-tier",
                    name=name(tier.name),
                    threshold=money(tier.threshold),
                    earn=percent(tier.earn_rate_bp),
                    discount=percent(tier.discount_bp),
                )
                for tier in program.tiers.levels
            ),
            t,
        )
    )
    sections.append(
        _list(
            t("program-categories"),
            (
                t("program-category", name=name(c.name), multiplier=percent(c.multiplier_pct))
                for c in program.categories
            ),
            t,
        )
    )
    sections.append(
        _list(
            t("program-rewards"),
            (
                t("program-reward", reason=t(f"program-reward-{reason.value}"), points=points)
                for reason, points in program.rewards.items()
                if points > 0
            ),
            t,
        )
    )
    automations = [
        _automation(t, key, config, program)
        for key, config in program.automations.items()
        if config.enabled
    ]
    sections.append(
        "\n".join([t("program-automations"), *automations])
        if automations
        else f"{t('program-automations')}: {t('program-automations-none')}"
    )
    sections.append(
        _list(t("program-offers"), (_offer(t, offer, program) for offer in program.offers), t)
    )
    sections.append(
        _list(t("program-surveys"), (_survey(t, s, program) for s in program.surveys), t)
    )
    cap = program.referrals.monthly_cap
    sections.append(
        t(
            "program-referrals",
            min_purchase=money(program.referrals.min_purchase),
            cap=t("program-unlimited") if cap is None else cap,
        )
    )
    digest = program.digest
    sections.append(
        t(
            "program-digest",
            schedule=t("program-schedule-daily", hour=f"{digest.hour:02d}")
            if digest.enabled
            else t("program-digest-off"),
        )
    )
    return sections


def _name_in(t: Translator) -> Callable[[Localized], str]:
    return lambda texts: html.escape(localized(texts, t.locale))


def _money_in(t: Translator, program: Program) -> Callable[[int], str]:
    return lambda minor_units: t.money(minor_units, program.currency)


def _list(title: str, lines: Iterable[str], t: Translator) -> str:
    items = list(lines)
    return "\n".join([title, *items]) if items else f"{title}: {t('program-none')}"


def _schedule(t: Translator, key: str, config: Automation) -> str:
    if key == "birthday":
        return t("program-schedule-hourly")
    hour = f"{config.hour:02d}"
    if config.weekday is None:
        return t("program-schedule-daily", hour=hour)
    return t("program-schedule-weekly", weekday=t("program-weekday", day=config.weekday), hour=hour)


def _automation(t: Translator, key: str, config: Automation, program: Program) -> str:
    offer = program.offer(config.offer)
    return t(
        "program-automation",
        name=key,
        schedule=_schedule(t, key, config),
        offer=""
        if offer is None
        else t("program-automation-offer", offer=html.escape(localized(offer.name, t.locale))),
        holdout=percent(config.holdout_bp),
    )


def _offer(t: Translator, offer: Offer, program: Program) -> str:
    terms = []
    if offer.discount_bp:
        terms.append(t("program-offer-discount", percent=percent(offer.discount_bp)))
    if offer.bonus_points:
        terms.append(t("program-offer-bonus", points=offer.bonus_points))
    category = program.category(offer.category) if offer.category else None
    if category is not None:
        terms.append(
            t("program-offer-category", category=html.escape(localized(category.name, t.locale)))
        )
    return t(
        "program-offer",
        name=html.escape(localized(offer.name, t.locale)),
        code=offer.code,
        terms=" ".join(terms),
        days=offer.valid_days,
    )


def _survey(t: Translator, survey: Survey, program: Program) -> str:
    none = t("program-none")
    points = survey.points
    return t(
        "program-survey",
        title=html.escape(localized(survey.title, t.locale)),
        id=survey.id,
        questions=len(survey.questions),
        **{"from": survey.starts.isoformat() if survey.starts else none},
        until=survey.ends.isoformat() if survey.ends else none,
        points=program.reward(RewardReason.SURVEY) if points is None else points,
    )


async def cmd_program(message: Message, actor: Actor, program: Program, t: Translator) -> None:
    require_manager(actor)
    for text in split_message(program_sections(t, program)):
        await message.answer(text)


async def cmd_reload(
    message: Message, actor: Actor, program_reloader: ProgramReloader, t: Translator
) -> None:
    try:
        program = await program_reloader.reload(actor)
    except ProgramFileError as refused:
        await message.answer(
            t(
                "reload-refused",
                file=html.escape(refused.path),
                field=html.escape(refused.field) or t("program-none"),
                reason=html.escape(refused.reason),
            )
        )
        return
    await message.answer(t("reload-done", name=html.escape(program.name)))


def create_router(admin_chat_ids: Collection[int]) -> Router:
    router = Router(name="admin.program")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_program, Command("program"))
    router.message.register(cmd_reload, Command("reload"))
    return router
