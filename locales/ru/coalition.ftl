# Коалиция в админ-чате: /settlement и ключи POS API (bot/handlers/admin/coalition.py).
settlement-title = <b>Взаиморасчёт { $start } – { $last }</b>
    Один балл стоит { $value }. Итог: сколько партнёр получает (+) или платит (−) — баллы, списанные в его точках, за вычетом начисленных там, по этой цене; у домашнего партнёра в итог входит пул.
settlement-col-partner = партнёр
settlement-col-issued = начислено
settlement-col-redeemed = списано
settlement-col-balance = итог
settlement-refunds = Возвраты у { $partner }: отменено { $earned } начисленных и { $spent } списанных баллов (уже учтено выше).
settlement-pool = Пул (начислено и не списано), входит в итог домашнего партнёра { $home }: { $pool }
settlement-rewards = Бонусы программы и корректировки (не за счёт партнёров): { $points }
settlement-expired = Сгорело, никто их не списал: { $points }
settlement-transfers-title = <b>Переводы</b>
settlement-transfer = { $payer } платит { $payee } { $amount }
settlement-transfers-none = Переводить нечего.
error-invalid-input-settlement-period = Укажите период как ГГГГ-ММ (месяц) или ГГГГ-ММ-ДД..ГГГГ-ММ-ДД (не больше 366 дней) либо ничего — прошлый месяц.
error-coalition-not-configured = Домашнего партнёра ещё нет: добавьте [[partners]] в файл программы и выполните «python -m bot migrate» (или перезапустите бота).

apikey-private-only = Ключ API показывается один раз и остаётся в истории чата: создавайте ключи в личном чате с ботом, не в группе.
apikey-new-usage = Формат: /apikey_new &lt;точка&gt;. Точки: { $outlets }
apikey-created = Ключ POS API для точки { $outlet } (id <code>{ $key_id }</code>):
    <code>{ $key }</code>
    Сохраните его сейчас: больше он не будет показан. Затем удалите это сообщение.
apikeys-title = <b>Ключи POS API</b>
apikeys-line = <code>{ $key_id }</code> · { $outlet } · { $state }
apikeys-active = действует
apikeys-revoked = отозван { $day }
apikeys-none = Ключей API пока нет: /apikey_new &lt;точка&gt; в личном чате.
apikey-revoke-usage = Формат: /apikey_revoke &lt;id ключа&gt; (см. /apikeys).
apikey-revoked = Ключ { $key_id } отозван: следующий запрос с ним будет отклонён.
error-not-found-outlet-unknown = Точки «{ $outlet }» нет. Точки перечислены в [[partners]] файла программы.
error-not-found-api-key-not-found = Действующего ключа { $key_id } нет.
error-permission-denied-api-keys-owner-only = Ключами API управляют только владельцы.
command-settlement = Взаиморасчёт партнёров [ГГГГ-ММ]
command-apikeys = Ключи POS API (новый: /apikey_new в личном чате)
command-apikey_revoke = Отозвать ключ POS API: id ключа
staff-invite-outlet = Точка: { $outlet } (покупки и списания на этой кассе засчитываются её партнёру).
