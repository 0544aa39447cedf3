"""The survey results chart for the admin chat: matplotlib (Agg backend) to PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bot.domain.program import localized
from bot.domain.surveys import QuestionKind
from bot.services.surveys import SurveyResults


def survey_chart(results: SurveyResults, locale: str) -> bytes | None:
    """One bar chart per question with counts (choices, ratings, NPS); None when there is
    nothing to draw."""
    drawn = [q for q in results.questions if q.question.kind is not QuestionKind.TEXT and q.answers]
    if not drawn:
        return None
    figure, axes = plt.subplots(len(drawn), 1, figsize=(6, 2.2 * len(drawn)), squeeze=False)
    try:
        for axis, result in zip(axes[:, 0], drawn, strict=True):
            question = result.question
            labels = [
                localized(option.text, locale) if (option := question.option(code)) else code
                for code in result.counts
            ]
            axis.bar(labels, list(result.counts.values()), color="#4a7bd0")
            axis.set_title(localized(question.text, locale), fontsize=9)
            axis.tick_params(labelsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()
    finally:
        plt.close(figure)
