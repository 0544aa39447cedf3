# Surveys: answering them, and the owner's results.

menu-surveys = 📝 Surveys
surveys-none = There are no surveys for you right now.
surveys-choose = Choose a survey:
survey-question =
    <b>{ $title }</b> — question { $number } of { $total }
    { $question }
    <i>{ $hint }</i>
survey-hint-single = Choose one answer.
survey-hint-multiple = Choose one or more answers, then press “Done”.
survey-hint-rating = Rate from 1 (bad) to 5 (excellent).
survey-hint-nps = 0 — not at all likely, 10 — extremely likely.
survey-hint-text = Type your answer (up to { $max_length } characters).
survey-done-button = Done ➡️
survey-thanks = Thank you for your answers!
survey-thanks-points = Thank you for your answers! You got { $points }.
error-invalid-input-survey-unknown = This survey is not available.
error-invalid-input-survey-done = You have already answered this survey. Thank you!
error-invalid-input-survey-stale = This question has already been answered. Please answer the latest one.
error-invalid-input-survey-option-invalid = Please use the buttons of the question.
error-invalid-input-survey-choose-one = Choose at least one answer.
error-invalid-input-survey-text-too-long = The answer is too long. Please shorten it.
survey-detractor =
    ⚠️ A low recommendation score ({ $score }) in “{ $survey }” from { $name } (member #{ $member }).
    Comment: { $comment }

survey-results-usage = Send /survey_results followed by the survey id.
survey-results-title =
    <b>{ $title }</b>
    Started: { $started }, completed: { $completed }.
survey-results-question = <b>{ $question }</b>
survey-results-option = { $option }: { $count }
survey-results-average = Average { $average } ({ $count } answers)
survey-results-nps = NPS: { $nps }
survey-results-texts = Text answers: { $count }
command-surveys = Surveys for you
survey-invite = 📝 We would love your opinion! Answer a short survey and get points for it.
survey-open = Answer the survey
survey-push-usage = Send /survey_push followed by the survey id.
survey-push-queued = Survey invitations queued: { $count }.

# The post-purchase rating, and the till's "ask the customer".
rating-ask = { $question }
rating-score-1 = 1
rating-score-2 = 2
rating-score-3 = 3
rating-score-4 = 4
rating-score-5 = 5
rating-thanks = Thank you! Your rating: { $score } of 5.
error-invalid-input-rating-unknown = This rating request is not available.
error-invalid-input-rating-done = You have already rated this purchase. Thank you!
error-invalid-input-rating-out-of-range = Please rate with the buttons, from 1 to 5.
ratings-title =
    <b>Purchase ratings</b>: { $count }, average { $average }
ratings-score = { $score } ★: { $count }
command-ratings = Purchase ratings
till-survey-ask = 📝 Ask the customer to answer “{ $title }”
till-survey-asked = The survey invitation has been sent to the customer.
error-invalid-input-survey-ask-unknown = This is not a purchase you recorded.
error-invalid-input-survey-ask-closed = The customer has no open survey: they answered it already, or it is not for them now.
error-invalid-input-survey-ask-sent = The customer has already been asked to answer this survey.
