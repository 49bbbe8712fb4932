"""What the pages say, in the procedure's own words. One catalogue, keyed by the code's names."""

MESSAGES = {
    # sign-in
    "missing_credentials": "Введите логин (e-mail) и пароль.",
    "bad_credentials": "Неверный логин или пароль.",
    "not_activated": (
        "Личный кабинет ещё не активирован. Перейдите по ссылке из письма, отправленного "
        "на ваш e-mail: до момента активации Личного кабинета авторизация недоступна."
    ),
    "too_many_attempts": "Слишком много попыток. Повторите через {wait}.",
    "wait_seconds": "{n} с",
    "wait_minutes": "{n} мин",
    "signed_out": "Вы вышли из Личного кабинета.",
    "signed_out_everywhere": "Вы вышли из Личного кабинета на всех устройствах.",
    "session_ended": "Вход на том устройстве завершён: сайты, на которые Вы входили с него, получили выход.",
    # second factor
    "missing_password": "Введите пароль.",
    "app_code_missing": "Введите код из приложения.",
    "app_code_wrong": (
        "Код не подходит. Введите шесть цифр, которые сейчас показывает приложение, или код восстановления."
    ),
    "authenticator_added": "Приложение-аутентификатор подключено.",
    "authenticator_already": "Приложение-аутентификатор уже подключено.",
    "authenticator_removed": "Приложение-аутентификатор отключено: вход подтверждается кодом из SMS.",
    "authenticator_not_removed": "Приложение не отключено: пароль введён неверно.",
    "second_factor_saved": "Способ подтверждения входа сохранён.",
    "store_unavailable": "Сервис временно недоступен. Повторите попытку через минуту.",
    # SMS password (flows.sms_password exceptions name these keys)
    "sms_sent": (
        "На указанный Вами номер телефона направлен пароль для подтверждения. "
        "Введите его в поле «Пароль» и нажмите «Войти»."
    ),
    "sms_resent": (
        "Если Личный кабинет ожидает подтверждения, новый пароль направлен по SMS. "
        "Прежний пароль больше не действует."
    ),
    "sms_expired": ("Срок действия пароля из SMS истёк. Нажмите «Отправить еще раз?», чтобы получить новый."),
    "sms_too_many_attempts": (
        "Пароль из SMS введён неверно слишком много раз и больше не действует. "
        "Нажмите «Отправить еще раз?», чтобы получить новый."
    ),
    "sms_resend_too_soon": "Новый пароль можно запросить через {retry_after} с.",
    "sms_unavailable": "Отправка SMS временно недоступна. Повторите попытку позже.",
    "sms_daily_cap": ("На этот номер сегодня отправлено максимальное число SMS. Повторите попытку завтра."),
    "sms_error": "Не удалось проверить пароль из SMS. Повторите попытку.",
    "login_required_for_resend": "Введите логин (e-mail), чтобы получить пароль ещё раз.",
    # password change
    "password_changed": (
        "Пароль изменён. Введите Ваш логин (e-mail) и новый пароль и нажмите кнопку «Войти»."
    ),
    "password_mismatch": "Пароли не совпадают.",
    "password_too_short": "Пароль слишком короткий: нужно не меньше {min_length} символов.",
    "password_is_login": "Пароль не должен совпадать с e-mail или номером телефона.",
    "password_common": "Этот пароль слишком распространён. Придумайте другой.",
    "password_required": "Введите новый пароль.",
    "current_password_wrong": "Текущий пароль введён неверно.",
    "sign_in_first": "Войдите в Личный кабинет, чтобы продолжить.",
    "recovery_sent": (
        "Если такой Личный кабинет есть и он активирован, на его номер телефона отправлен код. "
        "Введите его, чтобы задать новый пароль."
    ),
    "missing_login": "Введите логин (e-mail) или номер телефона.",
    # activation
    "activation_done": "Личный кабинет активирован.",
    "activation_expired": (
        "Срок активации Личного кабинета истёк: активация доступна в течение 24 часов. "
        "Личный кабинет будет удалён, потребуется повторная процедура регистрации."
    ),
    "activation_used": (
        "Личный кабинет уже активирован по этой ссылке. Войдите с Вашим логином (e-mail) и паролем."
    ),
    "activation_invalid": "Ссылка для активации повреждена. Скопируйте её из письма целиком.",
    "activation_resent": (
        "Если Личный кабинет ожидает активации, ссылка для активации отправлена повторно "
        "на e-mail, указанный при регистрации."
    ),
    # registration fields
    "name_required": "Заполните это поле.",
    "name_too_long": "Слишком длинно: не больше 100 символов.",
    "name_chars": "Допустимы буквы, дефис, апостроф и пробел между частями.",
    "middle_name_required": "Укажите отчество или отметьте «Нет отчества».",
    "middle_name_conflict": "Отчество указано, но отмечено «Нет отчества»: оставьте что-то одно.",
    "email_required": "Укажите e-mail.",
    "email_invalid": "Это не похоже на адрес электронной почты. Проверьте, например: ivanov@mail.ru.",
    "phone_required": "Укажите номер мобильного телефона.",
    "phone_invalid": "Это не похоже на номер телефона. Пример: +7 916 123-45-67.",
    "phone_not_russian": "Укажите российский номер мобильного телефона (+7).",
    "phone_landline": (
        "Это номер городского телефона: SMS на него не придёт. Укажите номер мобильного телефона."
    ),
    "consent_pd_law_152_required": (
        "Отметьте ознакомление с положениями Федерального закона № 152-ФЗ «О персональных данных»."
    ),
    "consent_pd_processing_required": (
        "Без согласия на передачу и обработку персональных данных регистрация невозможна."
    ),
    "form_has_errors": "Проверьте поля, отмеченные ниже.",
    "consent_not_ticked": "Отметьте согласие, чтобы продолжить.",
    # step-up
    "stepup_sent": "Код подтверждения направлен по SMS на номер {phone}.",
    # the client office (staff console, /staff)
    "staff_missing_credentials": "Введите логин и пароль.",
    "staff_bad_credentials": "Неверный логин или пароль.",
    "staff_bad_code": "Неверный код из приложения. Введите код, который оно показывает сейчас.",
    "staff_disabled": "Учётная запись сотрудника отключена. Обратитесь к администратору.",
    "staff_sign_in_first": "Войдите, чтобы продолжить.",
    "staff_totp_unreadable": (
        "Приложение-аутентификатор нужно подключить заново. Обратитесь к администратору: "
        "он сбросит подключение, и при следующем входе Вы подключите приложение."
    ),
    "staff_sign_in_again": "Время на ввод кода истекло. Войдите ещё раз.",
    "staff_session_expired": "Сеанс завершён по времени. Войдите ещё раз.",
    "staff_signed_out": "Вы вышли из консоли клиентского офиса.",
    "office_created": (
        "Личный кабинет зарегистрирован, пароль для подтверждения направлен по SMS. "
        "Распечатайте порядок доступа и дайте заявителю подписать."
    ),
    "office_taken_email": "На этот e-mail уже зарегистрирован Личный кабинет.",
    "office_taken_phone": "На этот номер телефона уже зарегистрирован Личный кабинет.",
    "office_sms_resent": "Новый пароль для подтверждения направлен по SMS. Прежний больше не действует.",
    "office_not_waiting_for_sms": "Этот Личный кабинет не ожидает пароля из SMS.",
    "office_nothing_found": (
        "Личный кабинет не найден. Удалённый по истечении срока активации кабинет не хранится: "
        "зарегистрируйте его заново."
    ),
    "office_recreate": (
        "Повторное создание Личного кабинета — это новая регистрация: данные удалённого кабинета "
        "не сохранились, заполните форму заново."
    ),
    "office_service_required": "Выберите услугу, за которой обратился заявитель.",
    "office_api_not_text": "Ожидается строка.",
    "office_api_not_flag": "Ожидается true или false.",
}

SMS_TEXTS = {
    "confirm": "Пароль для входа в Личный кабинет Россети МР: {code}. Никому его не сообщайте.",
    "stepup": "Код подтверждения входа в Личный кабинет Россети МР: {code}. Никому его не сообщайте.",
    "recover": "Код для смены пароля Личного кабинета Россети МР: {code}. Никому его не сообщайте.",
}

EMAIL_SUBJECTS = {
    "activation": "Активация Личного кабинета «Россети Московский регион»",
    "already_registered": "Попытка регистрации Личного кабинета «Россети Московский регион»",
    "failed_sign_ins": "Попытки входа в Личный кабинет «Россети Московский регион»",
}


def message(key: str | None, **values) -> str | None:
    """The text for a key, with its placeholders filled."""
    text = MESSAGES.get(key) if key else None  # unknown keys (e.g. from a URL) show nothing
    if text is None:
        return None
    return text.format(**values) if values else text


def too_many_attempts(retry_after: int) -> str:
    """The 429 page's text: when the person may try again, in seconds or whole minutes."""
    if retry_after < 60:
        wait = message("wait_seconds", n=retry_after)
    else:
        wait = message("wait_minutes", n=-(-retry_after // 60))
    return message("too_many_attempts", wait=wait)


def for_error(exc: Exception) -> str:
    """The page message for a named failure (its class carries the key)."""
    key = getattr(exc, "message_key", "sms_error")
    values = {"retry_after": exc.retry_after} if hasattr(exc, "retry_after") else {}
    return message(key, **values)
