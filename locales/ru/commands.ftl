# Command menu descriptions (setMyCommands): bot/handlers/commands.py. Up to 256 characters.

command-start = Начать или открыть главное меню
command-card = Моя карта: QR-код для кассы
command-balance = Баллы, уровень и что скоро сгорит
command-history = История баллов
command-settings = Язык, предложения, мои данные
command-language = Сменить язык
command-stop = Не присылать предложения и акции
command-mydata = Выгрузить мои данные
command-forget = Удалить мои данные
command-help = Справка
command-find = Найти покупателя по номеру карты или телефону
command-staff = Список сотрудников
command-invite = Пригласить сотрудника
command-offers = Мои предложения и купоны
command-gift = Активировать подарочный сертификат
command-scanner = Открыть сканер карт
command-top = Рейтинг сотрудников
command-certificates = Выпустить сертификаты: количество, баллы, [дата]
command-adjust = Начислить или списать баллы: карта или телефон, +/-баллы, причина
command-broadcast = Рассылка по сегменту участников
command-campaigns = Кампании и автоматизации: доставлено, использовано, прирост
command-stats = Показатели программы и графики [дни]
command-review = Итоги запуска программы
command-survey_results = Результаты опроса: id опроса
command-survey_push = Отправить опрос тем, кто ещё не ответил
