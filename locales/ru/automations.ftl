# Сообщения автоматизаций планировщика (bot/services/automations.py) и ошибки купонов.

automation-birthday = 🎂 С днём рождения! { $points ->
    [0] Хорошего дня!
   *[other] Мы начислили на вашу карту { $points } бонусных баллов.
}
automation-expiry-reminder = ⏳ { $points } баллов на вашей карте сгорят { $date }. Успейте потратить!
automation-winback = Мы скучаем! { $points ->
    [0] Дарим −{ $discount } % на следующий визит
   *[other] Дарим { $points } бонусных баллов на следующий визит
}, до { $until }.
automation-vip = ⭐ Вы среди самых верных гостей: для вас эксклюзивное предложение клуба, до { $until }.
automation-favourite = Подарок к вашему любимому: −{ $discount } % до { $until }.
automation-off-peak = Заходите в тихие часы: −{ $discount } % до { $until } (купон действует только в эти часы).

error-coupon-not-usable = Этот купон нельзя использовать.
error-coupon-not-usable-not-found = На этой карте нет такого купона.
error-coupon-not-usable-redeemed = Этот купон уже использован.
error-coupon-not-usable-expired = Срок действия купона истёк.
error-coupon-not-usable-not-yet-valid = Купон ещё не действует.
error-coupon-not-usable-outside-hours = Купон действует только в свои часы.
error-coupon-not-usable-other-category = Этот купон — для другой категории.

menu-offers = 🎁 Предложения
offers-title = Ваши предложения:
offers-line = • { $name } — до { $until }
offers-how = Покажите карту на кассе, и кассир применит предложение.
offers-none = Сейчас у вас нет предложений. Мы пришлём их сюда, как только они появятся.
