import hashlib

import pytest
from flask import render_template_string

from consent import catalogue, offer
from consent.catalogue import TEXTS_DIR, UnknownConsent
from tests.support.consent import at


def test_three_kinds_two_mandatory():
    assert [k.name for k in catalogue.kinds()] == ["pd_law_152", "pd_processing", "mailing"]
    assert catalogue.mandatory_kinds() == ["pd_law_152", "pd_processing"]


def test_version_hash_is_the_sha256_of_the_published_text():
    version = catalogue.current_version("pd_processing", at())
    raw = (TEXTS_DIR / "pd_processing" / f"{version.id}.txt").read_bytes()
    assert version.sha256 == hashlib.sha256(raw).hexdigest()
    assert catalogue.text("pd_processing", version.id) == raw.decode()
    assert "персональных данных" in version.text


def test_current_version_is_the_latest_in_effect(publish_version):
    publish_version("mailing", "2027-01", "Новая редакция рассылки.", in_seconds=3600)
    assert catalogue.current_version("mailing", at()).id == "2026-01"
    assert catalogue.current_version("mailing", at(3601)).id == "2027-01"


def test_unknown_kind_or_version_is_refused():
    with pytest.raises(UnknownConsent):
        catalogue.text("mailing", "99")
    with pytest.raises(UnknownConsent):
        catalogue.current_version("newsletter", at())


def test_text_page_shows_the_text_its_date_and_hash(client):
    version = catalogue.current_version("pd_law_152", at())
    page = client.get(f"/consents/pd_law_152/{version.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "152-ФЗ" in html
    assert version.sha256 in html
    assert "действует с 01.01.2026" in html
    assert client.get("/consents/pd_law_152/99").status_code == 404


def test_registration_checkboxes_show_each_kind_with_its_text(app):
    with app.test_request_context("/register"):
        html = render_template_string('<form>{% include "consent/_checkboxes.html" %}</form>')
    assert html.count('type="checkbox"') == 3
    assert 'name="consent_pd_law_152" value="2026-01" required' in html
    assert 'name="consent_pd_processing" value="2026-01" required' in html
    assert 'name="consent_mailing" value="2026-01">' in html
    assert "«О персональных данных» (обязательно)" in html
    assert "рекламно-информационной рассылки ПАО «Россети Московский регион»." in html
    assert 'href="/consents/mailing/2026-01"' in html


def test_registration_checkboxes_keep_ticks_and_name_what_is_missing(app):
    with app.test_request_context("/register"):
        html = render_template_string(
            '{% include "consent/_checkboxes.html" %}',
            consent_checked={"mailing"},
            consent_missing=["pd_processing"],
        )
    assert 'name="consent_mailing" value="2026-01" checked>' in html
    assert html.count("Без этого согласия зарегистрироваться нельзя.") == 1


def test_form_reading_requires_both_mandatory_consents():
    with pytest.raises(offer.MandatoryConsentMissing) as missing:
        offer.read_form({"consent_pd_law_152": "2026-01", "consent_mailing": "2026-01"}, at())
    assert missing.value.kinds == ["pd_processing"]
    with pytest.raises(offer.MandatoryConsentMissing):
        offer.read_form({"consent_pd_law_152": "2026-01", "consent_pd_processing": "forged"}, at())
    choices = offer.read_form({"consent_pd_law_152": "2026-01", "consent_pd_processing": "2026-01"}, at())
    assert choices == {"pd_law_152": "2026-01", "pd_processing": "2026-01", "mailing": None}
