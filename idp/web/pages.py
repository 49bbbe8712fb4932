"""What every page shares, wired into the app once: the language, the formats, the contact."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel, get_locale

from idp.web import formats
from idp.web.locale import DEFAULT, remember_ui_locales, select_locale

babel = Babel()


def init_app(app: Flask, translations: Path, support_contact: str) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_locale=DEFAULT,
        default_translation_directories=str(translations),
    )
    app.before_request(remember_ui_locales)
    app.add_template_filter(formats.moscow_time, "moscow_time")
    app.add_template_filter(formats.phone, "phone")
    app.add_template_filter(formats.masked_phone, "masked_phone")
    app.add_template_filter(formats.masked_email, "masked_email")

    @app.context_processor
    def _shared():
        return {"page_language": get_locale().language, "support_contact": support_contact}
