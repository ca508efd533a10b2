import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_unknown_page_gets_the_portal_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "404.html"


@pytest.mark.django_db
def test_forbidden_page_gets_the_portal_403_page_with_a_login_link(client):
    response = client.get(reverse("submissions:enterprise_list"))
    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "403.html"
    assert f'href="{reverse("portal:login")}?next=' in response.content.decode()
