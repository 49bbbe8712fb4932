"""lk-idp: the OpenID Connect provider behind «Ваш личный кабинет»."""
