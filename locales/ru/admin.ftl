# Чат владельца: /program, /reload, /export и ежедневная сводка
# (bot/handlers/admin/program.py, bot/handlers/admin/export.py, bot/services/digest.py).

command-program = Действующие правила программы
command-reload = Перечитать файл программы
command-export = Участники, покупки и баллы в CSV

# /program
program-title = 📜 <b>{ $name }</b>: { $model }, { $currency }, { $timezone }
program-model-points = баллы
program-model-tiers = уровни
program-model-combined = баллы и уровни
program-points = <b>Баллы</b>
    Один балл стоит { $point_value }; начисляем за покупки от { $min_purchase }, не больше { $max_points } баллов за покупку.
    Списание от { $min_points } баллов, до { $max_share } % чека. Сгорание баллов: { $expiry }
program-unlimited = без ограничения
program-never = никогда
program-expiry-days = через { $days } дн.
program-tiers = <b>Уровни</b> (покупки за { $days } дн.)
program-tier = • { $name }: от { $threshold }, начисление { $earn } %, скидка { $discount } %
program-categories = <b>Категории</b>
program-category = • { $name }: баллы × { $multiplier }
program-rewards = <b>Награды</b> (баллы)
program-reward = • { $reason }: { $points }
program-reward-welcome = за вступление
program-reward-birthday = в день рождения
program-reward-survey = за опрос
program-reward-referral_referrer = пригласившему
program-reward-referral_friend = приглашённому другу
program-reward-channel_join = за подписку на канал
program-automations = <b>Автоматизации</b>
program-automations-none = ни одна не включена
program-automation = • { $name }: { $schedule }{ $offer }, контрольная группа { $holdout } %
program-automation-offer = , предложение { $offer }
program-schedule-hourly = каждый час
program-schedule-daily = ежедневно в { $hour }:00
program-schedule-weekly = { $weekday } в { $hour }:00
program-weekday = { $day ->
    [0] по понедельникам
    [1] по вторникам
    [2] по средам
    [3] по четвергам
    [4] по пятницам
    [5] по субботам
   *[6] по воскресеньям
}
program-offers = <b>Предложения</b>
program-offer = • { $name } ({ $code }): { $terms }, действует { $days } дн.
program-offer-discount = −{ $percent } %
program-offer-bonus = +{ $points } баллов
program-offer-category = на категорию «{ $category }»
program-surveys = <b>Опросы</b>
program-survey = • { $title } ({ $id }): вопросов { $questions }, { $from } – { $until }, { $points } баллов
program-referrals = <b>Приглашения</b>: награды платит первая покупка друга от { $min_purchase }; не больше { $cap } друзей в месяц
program-digest = <b>Ежедневная сводка</b>: { $schedule }
program-digest-off = выключена
program-none = —

# /reload
reload-done = ✅ Файл программы перечитан: <b>{ $name }</b>. Новые правила действуют с этой минуты.
reload-refused = ❌ Файл программы не принят; действуют прежние правила.
    Файл: { $file }
    Поле: { $field }
    Причина: { $reason }
error-permission-denied-reload = Перечитать программу может только владелец.

# /export
export-usage = Как вызвать: /export или /export members | purchases | ledger
export-name-members = Участники
export-name-purchases = Покупки
export-name-ledger = Движение баллов

# Ежедневная сводка (планировщик)
digest-text = 🗓 <b>Вчера, { $date }</b>
    Новых участников: { $new } (всего { $members })
    Покупок: { $purchases } от { $buyers } участников, выручка { $revenue_money }
    Баллов начислено: { $issued }, списано: { $redeemed }, на счетах: { $outstanding }
    Активных (30 дней): { $active }
    NPS: { $nps }
