"""Answering surveys: the list ("Surveys" in the menu, /surveys), one question per message,
free text typed, `/start sv_<survey>_<staff code>` links, and the post-purchase rating's
1-5 buttons. docs/SURVEYS.md draws it.

Callback data names the survey and the question the button belongs to; the service refuses a
button of any other question, so a stale or repeated tap never answers the wrong question.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.adapters.i18n import I18n, Translator
from bot.domain.program import localized
from bot.domain.surveys import DONE, NPS_RANGE, RATING_RANGE, QuestionKind
from bot.handlers.customer.keyboards import Button, button_texts, main_menu
from bot.services.rating_prompts import RATING_CALLBACK_PREFIX
from bot.services.ratings import Ratings
from bot.services.surveys import Step, Surveys

SURVEY_LINK_PREFIX = "sv_"
MENU_BUTTONS = (
    "menu-card",
    "menu-balance",
    "menu-offers",
    "menu-history",
    "menu-settings",
    "menu-invite",
    "menu-surveys",
)


class SurveyOpen(CallbackData, prefix="svo"):
    survey: str


class SurveyAnswer(CallbackData, prefix="sva"):
    survey: str
    question: str
    value: str


class RatePurchase(CallbackData, prefix=RATING_CALLBACK_PREFIX):
    """A score under a post-purchase rating prompt; the service checks the prompt is the
    presser's and the score is 1..5."""

    prompt: int
    score: str


class SurveyText(StatesGroup):
    answer = State()
    """Waiting for a free-text answer; the data names the survey and the question."""


def question_keyboard(t: Translator, step: Step) -> InlineKeyboardMarkup | None:
    question = step.question
    assert question is not None

    def button(text: str, value: str) -> InlineKeyboardButton:
        data = SurveyAnswer(survey=step.survey.id, question=question.id, value=value)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    if question.kind is QuestionKind.SINGLE:
        rows = [[button(localized(o.text, t.locale), o.code)] for o in question.options]
    elif question.kind is QuestionKind.MULTIPLE:
        rows = [
            [button(("✅ " if o.code in step.draft else "") + localized(o.text, t.locale), o.code)]
            for o in question.options
        ]
        rows.append([button(t("survey-done-button"), DONE)])
    elif question.kind is QuestionKind.RATING:
        rows = [[button(str(score), str(score)) for score in RATING_RANGE]]
    elif question.kind is QuestionKind.NPS:
        scores = list(NPS_RANGE)
        rows = [
            [button(str(score), str(score)) for score in scores[:6]],
            [button(str(score), str(score)) for score in scores[6:]],
        ]
    else:
        return None
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def ask(bot: Bot, chat_id: int, t: Translator, step: Step, state: FSMContext) -> None:
    question = step.question
    assert question is not None
    hint = t(f"survey-hint-{question.kind.value}", max_length=question.max_length)
    text = t(
        "survey-question",
        title=escape(localized(step.survey.title, t.locale)),
        number=step.index + 1,
        total=len(step.survey.questions),
        question=escape(localized(question.text, t.locale)),
        hint=hint,
    )
    if question.kind is QuestionKind.TEXT:
        await state.set_state(SurveyText.answer)
        await state.update_data(survey=step.survey.id, question=question.id)
    else:
        await state.clear()
    await bot.send_message(chat_id, text, reply_markup=question_keyboard(t, step))


async def finish(
    bot: Bot, chat_id: int, telegram_id: int, t: Translator, step: Step, surveys: Surveys
) -> None:
    remaining = await surveys.available(telegram_id)
    key = "survey-thanks-points" if step.points else "survey-thanks"
    await bot.send_message(
        chat_id,
        t(key, points=t("points", count=step.points)),
        reply_markup=main_menu(t, surveys=bool(remaining)),
    )


async def cmd_surveys(message: Message, surveys: Surveys, t: Translator) -> None:
    assert message.from_user is not None
    available = await surveys.available(message.from_user.id)
    if not available:
        await message.answer(t("surveys-none"))
        return
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=localized(s.title, t.locale),
                    callback_data=SurveyOpen(survey=s.id).pack(),
                )
            ]
            for s in available
        ]
    )
    await message.answer(t("surveys-choose"), reply_markup=keyboard)


async def on_open(
    callback: CallbackQuery,
    callback_data: SurveyOpen,
    surveys: Surveys,
    t: Translator,
    state: FSMContext,
    bot: Bot,
) -> None:
    step = await surveys.start(callback.from_user.id, callback_data.survey)
    await callback.answer()
    await ask(bot, callback.from_user.id, t, step, state)


async def cmd_start_survey_link(
    message: Message,
    command: CommandObject,
    surveys: Surveys,
    t: Translator,
    state: FSMContext,
    bot: Bot,
) -> None:
    """`/start sv_<survey>_<staff code>` (or `sv_<survey>`): the survey, the response
    credited to the staff member whose link it was."""
    assert message.from_user is not None
    survey_id, _, staff_code = (command.args or "").removeprefix(SURVEY_LINK_PREFIX).partition("_")
    step = await surveys.start(message.from_user.id, survey_id, staff_code or None)
    await ask(bot, message.chat.id, t, step, state)


async def on_answer(
    callback: CallbackQuery,
    callback_data: SurveyAnswer,
    surveys: Surveys,
    t: Translator,
    state: FSMContext,
    bot: Bot,
) -> None:
    step = await surveys.answer(
        callback.from_user.id, callback_data.survey, callback_data.question, callback_data.value
    )
    await callback.answer()
    message = callback.message
    if step.index == _index_of(step, callback_data.question) and not step.finished:
        # A multiple-choice tick: the same question with the new selection.
        if isinstance(message, Message):
            await message.edit_reply_markup(reply_markup=question_keyboard(t, step))
        return
    if isinstance(message, Message):
        await message.edit_reply_markup(reply_markup=None)
    await _next(bot, callback.from_user.id, callback.from_user.id, t, step, surveys, state)


async def on_text_answer(
    message: Message, surveys: Surveys, t: Translator, i18n: I18n, state: FSMContext, bot: Bot
) -> None:
    assert message.from_user is not None
    text = message.text or ""
    if text.startswith("/") or any(text in button_texts(i18n, key) for key in MENU_BUTTONS):
        # Another action: leave the survey (it resumes from the list) and let it answer.
        await state.clear()
        raise SkipHandler
    data = await state.get_data()
    step = await surveys.answer(
        message.from_user.id, str(data.get("survey")), str(data.get("question")), text
    )
    await _next(bot, message.chat.id, message.from_user.id, t, step, surveys, state)


async def _next(
    bot: Bot,
    chat_id: int,
    telegram_id: int,
    t: Translator,
    step: Step,
    surveys: Surveys,
    state: FSMContext,
) -> None:
    if step.finished:
        await state.clear()
        await finish(bot, chat_id, telegram_id, t, step, surveys)
    else:
        await ask(bot, chat_id, t, step, state)


async def on_rate(
    callback: CallbackQuery, callback_data: RatePurchase, ratings: Ratings, t: Translator
) -> None:
    score = await ratings.rate(callback.from_user.id, callback_data.prompt, callback_data.score)
    await callback.answer(t("rating-thanks", score=score))
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)


def _index_of(step: Step, question_id: str) -> int:
    return next(
        (i for i, q in enumerate(step.survey.questions) if q.id == question_id),
        -1,
    )


def create_router() -> Router:
    """Before the start router (survey links) and the customer fallback (typed answers)."""
    router = Router(name="customer.surveys")
    router.message.filter(F.chat.type == "private")
    router.message.register(
        cmd_start_survey_link,
        CommandStart(deep_link=True, magic=F.args.startswith(SURVEY_LINK_PREFIX)),
    )
    router.message.register(cmd_surveys, Command("surveys"))
    router.message.register(cmd_surveys, Button("menu-surveys"))
    router.message.register(on_text_answer, SurveyText.answer, F.text)
    router.callback_query.register(on_open, SurveyOpen.filter())
    router.callback_query.register(on_answer, SurveyAnswer.filter())
    router.callback_query.register(on_rate, RatePurchase.filter())
    return router
