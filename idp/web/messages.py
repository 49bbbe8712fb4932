"""What the pages say, in the procedure's own words. One catalogue, keyed by the code's names.

The texts are the Russian originals; `make messages` extracts them (the N_ marker) into
translations/, and message() answers in the page's language.
"""

from __future__ import annotations

from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802  (the marker pybabel extracts)
    return text


MESSAGES = {
    # sign-in
    "missing_credentials": N_("Введите логин (e-mail или телефон) и пароль."),
    "login_missing": N_("Введите логин (e-mail или телефон)."),
    "password_missing": N_("Введите пароль."),
    "bad_credentials": N_("Неверный логин или пароль."),
    "not_activated": N_(
        "Личный кабинет ещё не активирован. Перейдите по ссылке из письма, отправленного "
        "на ваш e-mail: до момента активации Личного кабинета авторизация недоступна."
    ),
    "activation_until": N_("Активация доступна до {deadline} (время московское)."),
    "too_many_attempts": N_("Слишком много попыток. Повторите через {wait}."),
    "wait_seconds": N_("{n} с"),
    "wait_minutes": N_("{n} мин"),
    "signed_out": N_("Вы вышли из Личного кабинета."),
    "signed_out_everywhere": N_("Вы вышли из Личного кабинета на всех устройствах."),
    "session_ended": N_(
        "Вход на том устройстве завершён: сайты, на которые Вы входили с него, получили выход."
    ),
    # second factor
    "missing_password": N_("Введите пароль."),
    "app_code_missing": N_("Введите код из приложения."),
    "app_code_wrong": N_(
        "Код не подходит. Введите шесть цифр, которые сейчас показывает приложение, или код восстановления."
    ),
    "authenticator_added": N_("Приложение-аутентификатор подключено."),
    "authenticator_already": N_("Приложение-аутентификатор уже подключено."),
    "authenticator_removed": N_("Приложение-аутентификатор отключено: вход подтверждается кодом из SMS."),
    "authenticator_not_removed": N_("Приложение не отключено: пароль введён неверно."),
    "second_factor_saved": N_("Способ подтверждения входа сохранён."),
    "unknown_device": N_("неизвестное устройство"),
    "moscow_moment": N_("{moment} (мск)"),
    "store_unavailable": N_("Сервис временно недоступен. Повторите попытку через минуту."),
    # the SMS password (flows.sms_password exceptions name these keys)
    "sms_sent": N_(
        "На указанный Вами номер телефона направлен пароль для подтверждения. "
        "Введите его в поле «Пароль» и нажмите «Войти»."
    ),
    "sms_wrong": N_("Неверный пароль из SMS. Осталось попыток ввода: {tries_left}."),
    "sms_resent": N_(
        "Если Личный кабинет ожидает подтверждения, новый пароль направлен по SMS. "
        "Прежний пароль больше не действует."
    ),
    "sms_expired": N_(
        "Срок действия пароля из SMS истёк. Нажмите «Отправить еще раз?», чтобы получить новый."
    ),
    "sms_too_many_attempts": N_(
        "Пароль из SMS введён неверно слишком много раз и больше не действует. "
        "Нажмите «Отправить еще раз?», чтобы получить новый."
    ),
    "sms_resend_too_soon": N_("Новый пароль можно запросить через {retry_after} с."),
    "sms_unavailable": N_("Отправка SMS временно недоступна. Повторите попытку позже."),
    "sms_daily_cap": N_("На этот номер сегодня отправлено максимальное число SMS. Повторите попытку завтра."),
    "sms_error": N_("Не удалось проверить пароль из SMS. Повторите попытку."),
    "login_required_for_resend": N_("Введите логин (e-mail или телефон), чтобы получить пароль ещё раз."),
    # a code by SMS (step-up, recovery): the same rules, named as a code
    "code_missing": N_("Введите код из SMS."),
    "code_wrong": N_("Неверный код из SMS. Осталось попыток ввода: {tries_left}."),
    "code_expired": N_(
        "Срок действия кода из SMS истёк. Нажмите «Отправить еще раз?», чтобы получить новый."
    ),
    "code_too_many_attempts": N_(
        "Код из SMS введён неверно слишком много раз и больше не действует. "
        "Нажмите «Отправить еще раз?», чтобы получить новый."
    ),
    "code_resend_too_soon": N_("Новый код можно запросить через {retry_after} с."),
    "code_error": N_("Не удалось проверить код из SMS. Повторите попытку."),
    # password change
    "password_changed": N_(
        "Пароль изменён. Введите Ваш логин (e-mail) и новый пароль и нажмите кнопку «Войти»."
    ),
    "activate_first": N_(
        "Но сначала активируйте Личный кабинет: перейдите по ссылке из письма, отправленного на "
        "{email}, до {deadline} (время московское). До момента активации Личного кабинета "
        "авторизация недоступна."
    ),
    "password_mismatch": N_("Пароли не совпадают."),
    "password_too_short": N_("Пароль слишком короткий: нужно не меньше {min_length} символов."),
    "password_is_login": N_("Пароль не должен совпадать с e-mail или номером телефона."),
    "password_common": N_("Этот пароль слишком распространён. Придумайте другой."),
    "password_required": N_("Введите новый пароль."),
    "confirm_required": N_("Повторите новый пароль в поле «Подтверждение пароля»."),
    "current_password_wrong": N_("Текущий пароль введён неверно."),
    "current_password_missing": N_("Введите текущий пароль."),
    "sign_in_first": N_("Войдите в Личный кабинет, чтобы продолжить."),
    "recovery_sent": N_(
        "Если такой Личный кабинет есть и он активирован, на его номер телефона отправлен код. "
        "Введите его, чтобы задать новый пароль."
    ),
    "missing_login": N_("Введите логин (e-mail) или номер телефона."),
    # activation
    "activation_done": N_("Личный кабинет активирован."),
    "activation_expired": N_(
        "Срок активации Личного кабинета истёк: активация доступна в течение 24 часов. "
        "Личный кабинет будет удалён, потребуется повторная процедура регистрации."
    ),
    "activation_used": N_(
        "Личный кабинет уже активирован по этой ссылке. Войдите с Вашим логином (e-mail) и паролем."
    ),
    "activation_invalid": N_("Ссылка для активации повреждена. Скопируйте её из письма целиком."),
    "activation_resent": N_(
        "Если Личный кабинет ожидает активации, ссылка для активации отправлена повторно "
        "на e-mail, указанный при регистрации."
    ),
    # registration fields
    "name_required": N_("Заполните это поле."),
    "family_name_required": N_("Укажите фамилию."),
    "given_name_required": N_("Укажите имя."),
    "name_too_long": N_("Слишком длинно: не больше 100 символов."),
    "name_chars": N_("Допустимы буквы, дефис, апостроф и пробел между частями."),
    "middle_name_required": N_("Укажите отчество или отметьте «Нет отчества»."),
    "middle_name_conflict": N_("Отчество указано, но отмечено «Нет отчества»: оставьте что-то одно."),
    "email_required": N_("Укажите e-mail."),
    "email_invalid": N_("Это не похоже на адрес электронной почты. Проверьте, например: ivanov@mail.ru."),
    "phone_required": N_("Укажите номер мобильного телефона."),
    "phone_invalid": N_("Это не похоже на номер телефона. Пример: +7 916 123-45-67."),
    "phone_not_russian": N_("Укажите российский номер мобильного телефона (+7)."),
    "phone_landline": N_(
        "Это номер городского телефона: SMS на него не придёт. Укажите номер мобильного телефона."
    ),
    "consent_pd_law_152_required": N_(
        "Отметьте ознакомление с положениями Федерального закона № 152-ФЗ «О персональных данных»."
    ),
    "consent_pd_processing_required": N_(
        "Без согласия на передачу и обработку персональных данных регистрация невозможна."
    ),
    "form_has_errors": N_("Проверьте поля, отмеченные ниже."),
    "consent_not_ticked": N_("Отметьте согласие, чтобы продолжить."),
    # step-up
    "stepup_sent": N_("Код подтверждения направлен по SMS на номер {phone}."),
    # the development demo relying party
    "demo_bad_state": N_("Демо: неверный state."),
    "demo_error": N_("Демо: {error}"),
    # pages the app answers with when nothing else does
    "csrf_failed": N_("Страница устарела. Обновите её и повторите."),
    "not_found": N_("Страница не найдена."),
    "forbidden": N_("Эта страница Вам недоступна."),
    "not_allowed": N_("Так обратиться к этой странице нельзя."),
    "too_large": N_("Слишком большой запрос."),
    "unexpected": N_("Что-то пошло не так. Повторите попытку позже."),
    "bad_authorization_request": N_("Запрос на вход от сайта некорректен, поэтому мы не вернём вас на него."),
    "authorization_timed_out": N_(
        "Время на вход истекло. Вернитесь на сайт и нажмите «Ваш личный кабинет» ещё раз."
    ),
    # the client office (staff console, /staff)
    "staff_missing_credentials": N_("Введите логин и пароль."),
    "staff_bad_credentials": N_("Неверный логин или пароль."),
    "staff_bad_code": N_("Неверный код из приложения. Введите код, который оно показывает сейчас."),
    "staff_disabled": N_("Учётная запись сотрудника отключена. Обратитесь к администратору."),
    "staff_sign_in_first": N_("Войдите, чтобы продолжить."),
    "staff_totp_unreadable": N_(
        "Приложение-аутентификатор нужно подключить заново. Обратитесь к администратору: "
        "он сбросит подключение, и при следующем входе Вы подключите приложение."
    ),
    "staff_sign_in_again": N_("Время на ввод кода истекло. Войдите ещё раз."),
    "staff_session_expired": N_("Сеанс завершён по времени. Войдите ещё раз."),
    "staff_signed_out": N_("Вы вышли из консоли клиентского офиса."),
    "office_created": N_(
        "Личный кабинет зарегистрирован, пароль для подтверждения направлен по SMS. "
        "Распечатайте порядок доступа и дайте заявителю подписать."
    ),
    "office_taken_email": N_("На этот e-mail уже зарегистрирован Личный кабинет."),
    "office_taken_phone": N_("На этот номер телефона уже зарегистрирован Личный кабинет."),
    "office_sms_resent": N_("Новый пароль для подтверждения направлен по SMS. Прежний больше не действует."),
    "office_not_waiting_for_sms": N_("Этот Личный кабинет не ожидает пароля из SMS."),
    "office_nothing_found": N_(
        "Личный кабинет не найден. Удалённый по истечении срока активации кабинет не хранится: "
        "зарегистрируйте его заново."
    ),
    "office_recreate": N_(
        "Повторное создание Личного кабинета — это новая регистрация: данные удалённого кабинета "
        "не сохранились, заполните форму заново."
    ),
    "office_service_required": N_("Выберите услугу, за которой обратился заявитель."),
    "office_api_not_text": N_("Ожидается строка."),
    "office_api_not_flag": N_("Ожидается true или false."),
}

SMS_TEXTS = {
    "confirm": N_("Пароль для входа в Личный кабинет Россети МР: {code}. Никому его не сообщайте."),
    "stepup": N_("Код подтверждения входа в Личный кабинет Россети МР: {code}. Никому его не сообщайте."),
    "recover": N_("Код для смены пароля Личного кабинета Россети МР: {code}. Никому его не сообщайте."),
}

EMAIL_SUBJECTS = {
    "activation": N_("Активация Личного кабинета «Россети Московский регион»"),
    "already_registered": N_("Попытка регистрации Личного кабинета «Россети Московский регион»"),
    "failed_sign_ins": N_("Попытки входа в Личный кабинет «Россети Московский регион»"),
}


def _translated(text: str, values: dict) -> str:
    translated = gettext(text)
    return translated.format(**values) if values else translated


def message(key: str | None, **values) -> str | None:
    """The text for a key in the page's language, with its placeholders filled."""
    text = MESSAGES.get(key) if key else None  # unknown keys (e.g. from a URL) show nothing
    if text is None:
        return None
    return _translated(text, values)


def sms_text(kind: str, **values) -> str:
    return _translated(SMS_TEXTS[kind], values)


def email_subject(kind: str) -> str:
    return _translated(EMAIL_SUBJECTS[kind], {})


def too_many_attempts(retry_after: int) -> str:
    """The 429 page's text: when the person may try again, in seconds or whole minutes."""
    if retry_after < 60:
        wait = message("wait_seconds", n=retry_after)
    else:
        wait = message("wait_minutes", n=-(-retry_after // 60))
    return message("too_many_attempts", wait=wait)


def for_error(exc: Exception) -> str:
    """The page message for a named failure (its class carries the key and the values)."""
    key = getattr(exc, "message_key", "sms_error")
    values = {name: getattr(exc, name) for name in ("retry_after", "tries_left") if hasattr(exc, name)}
    return message(key, **values)
