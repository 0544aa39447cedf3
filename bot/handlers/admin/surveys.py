"""Owners' survey commands in the admin chat (or a private chat); the service re-checks that
the sender is an owner:

- `/survey_results <survey id>`: counts, averages, the NPS, and a chart;
- `/survey_push <survey id>`: invite the survey's audience (through the outbox);
- `/ratings`: how purchases were rated after the post-purchase prompt (count, average, each
  score).
"""

from __future__ import annotations

from collections.abc import Collection

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.adapters.i18n import Translator
from bot.adapters.survey_chart import survey_chart
from bot.domain.program import localized
from bot.domain.staff import Actor
from bot.domain.surveys import QuestionKind
from bot.services.ratings import Ratings
from bot.services.surveys import QuestionResult, Surveys


def render_question(t: Translator, result: QuestionResult) -> str:
    question = result.question
    lines = [t("survey-results-question", question=localized(question.text, t.locale))]
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        for option in question.options:
            lines.append(
                t(
                    "survey-results-option",
                    option=localized(option.text, t.locale),
                    count=result.counts.get(option.code, 0),
                )
            )
    elif question.kind is QuestionKind.TEXT:
        lines.append(t("survey-results-texts", count=result.answers))
    else:
        average = f"{result.average:.1f}" if result.average is not None else "-"
        lines.append(t("survey-results-average", average=average, count=result.answers))
        if result.nps is not None:
            lines.append(t("survey-results-nps", nps=result.nps))
    return "\n".join(lines)


async def cmd_survey_results(
    message: Message, command: CommandObject, actor: Actor, surveys: Surveys, t: Translator
) -> None:
    survey_id = (command.args or "").strip()
    if not survey_id:
        await message.answer(t("survey-results-usage"))
        return
    results = await surveys.results(actor, survey_id)
    text = "\n\n".join(
        [
            t(
                "survey-results-title",
                title=localized(results.survey.title, t.locale),
                started=results.started,
                completed=results.completed,
            ),
            *(render_question(t, q) for q in results.questions),
        ]
    )
    await message.answer(text)
    chart = survey_chart(results, t.locale)
    if chart is not None:
        await message.answer_photo(BufferedInputFile(chart, filename=f"survey-{survey_id}.png"))


async def cmd_survey_push(
    message: Message, command: CommandObject, actor: Actor, surveys: Surveys, t: Translator
) -> None:
    survey_id = (command.args or "").strip()
    if not survey_id:
        await message.answer(t("survey-push-usage"))
        return
    queued = await surveys.push(actor, survey_id)
    await message.answer(t("survey-push-queued", count=queued))


async def cmd_ratings(message: Message, actor: Actor, ratings: Ratings, t: Translator) -> None:
    summary = await ratings.summary(actor)
    average = f"{summary.average:.1f}" if summary.average is not None else "-"
    lines = [t("ratings-title", count=summary.count, average=average)]
    lines += [
        t("ratings-score", score=score, count=count)
        for score, count in sorted(summary.distribution.items(), reverse=True)
    ]
    await message.answer("\n".join(lines))


def create_router(admin_chat_ids: Collection[int]) -> Router:
    router = Router(name="admin.surveys")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_survey_results, Command("survey_results"))
    router.message.register(cmd_survey_push, Command("survey_push"))
    router.message.register(cmd_ratings, Command("ratings"))
    return router
