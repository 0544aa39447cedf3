# Staff: invites, the staff list, the till.

staff-role-cashier = кассир
staff-role-manager = менеджер
staff-invite-usage = Использование: /invite cashier или /invite manager, можно с точкой, где сотрудник работает: /invite cashier main
staff-invite-created = Приглашение для роли «{ $role }» (одноразовое, действует 24 часа):
    { $link }
staff-welcome = Готово! Теперь вы { $role }. Сканируйте QR-карту клиента камерой телефона или используйте /find с номером карты или телефона.
staff-list-title = Сотрудники:
staff-list-empty = Сотрудников пока нет. Пригласите кого-нибудь командой /invite.
staff-list-line = • { $name } — { $role }, код { $code }
staff-remove-button = Удалить: { $name }
staff-removed = { $name } больше не сотрудник.
till-card = Клиент: { $name }
    Уровень: { $tier }
    Баланс: { $points }
till-record-purchase = Записать покупку
till-cancel = Отмена
till-cancelled = Отменено.
till-confirm = Подтвердить
till-find-usage = Использование: /find номер карты или телефон
till-enter-amount = Введите сумму покупки, например 450 или 450,50.
till-amount-garbled = Не понял сумму. Введите число, например 450 или 1 200,50.
till-amount-too-precise = В сумме не больше двух знаков после запятой.
till-amount-not-positive = Сумма должна быть больше нуля.
till-amount-above-limit = Сумма больше допустимой ({ $maximum }). Проверьте её.
till-pick-category = Выберите категорию:
till-unknown-category = Такой категории нет.
till-enter-receipt = Введите номер чека или нажмите «Без чека».
till-no-receipt = Без чека
till-receipt-invalid = Номер чека — до 32 букв и цифр.
till-summary = Проверьте:
    Сумма: { $amount }
    Категория: { $category }
    Чек: { $receipt }
till-recorded = Покупка на { $amount } записана. Начислено: { $points }. Баланс клиента: { $balance }.
receipt-purchase = Спасибо за покупку на { $amount_money }! Начислено баллов: { $earned }. Баланс: { $balance }.{ $upgraded ->
        [yes] {"\u000A"}🎉 Теперь у вас уровень «{ $new_tier }»!
       *[no] {""}
    }{ $has_next ->
        [yes] {"\u000A"}До уровня «{ $next_tier }» осталось { $to_next_money }.
       *[no] {""}
    }
error-permission-denied-not-staff = Эта команда — для сотрудников.
error-card-token-invalid = Этот QR-код недействителен.
error-card-token-expired = QR-код устарел. Попросите клиента обновить карту в боте.
error-card-token-replayed = Этот QR-код уже использован. Попросите клиента обновить карту.
error-invite-invalid = Приглашение недействительно: оно уже использовано или истекло.
error-invite-invalid-already-staff = Вы уже сотрудник.
error-scan-closed = Карта уже использована для операции или устарела. Отсканируйте её снова.
till-card-offers = Предложения:
till-card-offer = • { $name }, до { $until }
till-card-offer-not-now = • { $name }, до { $until } (сейчас не действует)
till-apply-offer = Применить: { $name }
till-offer-applied = Предложение «{ $name }» применено: купон погасится при подтверждении покупки.
    Введите сумму чека до скидки, например 450 или 450,50.
till-summary-discount = Предложение: { $name }, скидка { $discount }. К оплате: { $to_pay }
till-summary-bonus = Предложение: { $name }, бонус { $points }
till-recorded-offer = Предложение «{ $name }» использовано: скидка { $discount }, бонус { $points }.
