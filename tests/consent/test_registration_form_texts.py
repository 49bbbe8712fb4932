from consent import catalogue
from idp.clock import utcnow


def test_registration_form_links_each_checkbox_to_its_current_text(client):
    page = client.get("/register").get_data(as_text=True)
    for kind in catalogue.kinds():
        version = catalogue.current_version(kind.name, utcnow()).id
        assert f"/consents/{kind.name}/{version}" in page
        text_page = client.get(f"/consents/{kind.name}/{version}")
        assert text_page.status_code == 200
