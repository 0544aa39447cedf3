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

# The post-purchase rating, and the till's "ask the customer".
rating-ask = { $question }
rating-score-1 = 1
rating-score-2 = 2
rating-score-3 = 3
rating-score-4 = 4
rating-score-5 = 5
rating-thanks = Спасибо! Ваша оценка: { $score } из 5.
error-invalid-input-rating-unknown = Этот запрос оценки недоступен.
error-invalid-input-rating-done = Вы уже оценили эту покупку. Спасибо!
error-invalid-input-rating-out-of-range = Пожалуйста, оцените кнопками, от 1 до 5.
ratings-title =
    <b>Оценки покупок</b>: { $count }, средняя { $average }
ratings-score = { $score } ★: { $count }
command-ratings = Оценки покупок
till-survey-ask = 📝 Предложить клиенту опрос «{ $title }»
till-survey-asked = Приглашение в опрос отправлено клиенту.
error-invalid-input-survey-ask-unknown = Эту покупку записывали не вы.
error-invalid-input-survey-ask-closed = У клиента нет открытого опроса: он уже ответил или опрос сейчас не для него.
error-invalid-input-survey-ask-sent = Клиенту уже предложили пройти этот опрос.
