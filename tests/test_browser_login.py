import pytest

from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_page_logs_a_recruiter_in_with_a_real_browser(desktop_page, live_server):
    UserFactory(username="bea", first_name="Bea", password="a long enough passphrase")

    desktop_page.goto(f"{live_server.url}/accounts/login/")
    desktop_page.get_by_label("Username").fill("bea")
    desktop_page.get_by_label("Password").fill("a long enough passphrase")
    desktop_page.get_by_role("button", name="Log in").click()

    assert desktop_page.get_by_role("heading", level=1).inner_text().startswith("Today")
    assert desktop_page.url == f"{live_server.url}/"
