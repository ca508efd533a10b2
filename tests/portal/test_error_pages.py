import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_unknown_page_gets_the_portal_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "404.html"


@pytest.mark.django_db
def test_forbidden_page_gets_the_portal_403_page(client_for, user_a):
    response = client_for(user_a).get(reverse("submissions:enterprise_list"))
    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "403.html"
    assert f'href="{reverse("portal:login")}?next=' not in response.content.decode()  # logged in already


@pytest.mark.django_db
def test_the_403_page_offers_a_visitor_not_logged_in_to_log_in(rf):
    # Every view sends such a visitor to log in first; the page still offers it should one not.
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/entries/enterprises/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert f'href="{reverse("portal:login")}?next=/entries/enterprises/"' in response.content.decode()
