"""What the pages say, in the procedure's own words. One catalogue, keyed by the code's names."""

MESSAGES = {
    "missing_credentials": "Введите логин (e-mail) и пароль.",
    "bad_credentials": "Неверный логин или пароль.",
    "not_activated": (
        "Личный кабинет ещё не активирован. Перейдите по ссылке из письма, отправленного "
        "на ваш e-mail: до момента активации Личного кабинета авторизация недоступна."
    ),
    "too_many_attempts": "Слишком много попыток. Подождите немного и повторите.",
    "signed_out": "Вы вышли из Личного кабинета.",
    "store_unavailable": "Сервис временно недоступен. Повторите попытку через минуту.",
}
