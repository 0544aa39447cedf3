# Shared texts: greeting, help, generic errors.

start-greeting = Здравствуйте, { $name }! Это программа лояльности «{ $program }».
    Копите баллы с каждой покупки и оплачивайте ими часть следующих.
help =
    Что умеет бот:
    /start — начать или открыть главное меню
    /card — моя карта: QR-код для кассы
    /balance — баллы, уровень и что скоро сгорит
    /offers — мои предложения
    /history — история баллов
    /gift — активировать подарочный сертификат
    /settings — язык, рассылки, день рождения
    /language — сменить язык
    /stop — не присылать предложения
    /mydata — выгрузить мои данные
    /forget — удалить мои данные
error-unexpected = Что-то пошло не так. Попробуйте ещё раз чуть позже.
error-domain-error = Не удалось выполнить действие.
error-not-found = Ничего не найдено.
error-member-not-found = Участник не найден.
error-permission-denied = У вас нет прав на это действие.
error-invalid-input = Проверьте введённые данные.
error-insufficient-points = Недостаточно баллов.
error-redemption-blocked = Списание баллов недоступно, пока баланс отрицательный.
error-idempotency-conflict = Эта операция уже была проведена с другими данными.
error-rate-limited = Слишком много попыток. Попробуйте позже.
points = { $count ->
    [one] { $count } балл
    [few] { $count } балла
   *[many] { $count } баллов
}
