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
