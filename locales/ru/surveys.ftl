# Опросы: ответы участников и результаты для владельца.

menu-surveys = 📝 Опросы
surveys-none = Сейчас для вас нет опросов.
surveys-choose = Выберите опрос:
survey-question =
    <b>{ $title }</b> — вопрос { $number } из { $total }
    { $question }
    <i>{ $hint }</i>
survey-hint-single = Выберите один ответ.
survey-hint-multiple = Выберите один или несколько ответов и нажмите «Готово».
survey-hint-rating = Оцените от 1 (плохо) до 5 (отлично).
survey-hint-nps = 0 — точно нет, 10 — обязательно.
survey-hint-text = Напишите ответ (до { $max_length } символов).
survey-done-button = Готово ➡️
survey-thanks = Спасибо за ответы!
survey-thanks-points = Спасибо за ответы! Вам начислено { $points }.
error-invalid-input-survey-unknown = Этот опрос недоступен.
error-invalid-input-survey-done = Вы уже ответили на этот опрос. Спасибо!
error-invalid-input-survey-stale = На этот вопрос уже есть ответ. Ответьте, пожалуйста, на последний вопрос.
error-invalid-input-survey-option-invalid = Пожалуйста, отвечайте кнопками вопроса.
error-invalid-input-survey-choose-one = Выберите хотя бы один ответ.
error-invalid-input-survey-text-too-long = Слишком длинный ответ. Сократите его, пожалуйста.
survey-detractor =
    ⚠️ Низкая оценка рекомендации ({ $score }) в опросе «{ $survey }» от { $name } (участник №{ $member }).
    Комментарий: { $comment }

survey-results-usage = Отправьте /survey_results и идентификатор опроса.
survey-results-title =
    <b>{ $title }</b>
    Начали: { $started }, завершили: { $completed }.
survey-results-question = <b>{ $question }</b>
survey-results-option = { $option }: { $count }
survey-results-average = Среднее { $average } ({ $count } ответов)
survey-results-nps = NPS: { $nps }
survey-results-texts = Текстовых ответов: { $count }
command-surveys = Опросы для вас
survey-invite = 📝 Нам важно ваше мнение! Ответьте на короткий опрос и получите баллы.
survey-open = Пройти опрос
survey-push-usage = Отправьте /survey_push и идентификатор опроса.
survey-push-queued = Приглашений в опрос поставлено в очередь: { $count }.
