"""The bar of links at the top of every page: for the roles with the most links (an organiser, the platform
administrator), in Chinese and in English, at the widths of a tablet and of laptops, it lies in one line or behind
the menu button, never breaking a label over two lines nor making the page wider than the window."""

import pytest

from tests import factories
from tests.conftest import log_in, nav_click

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1024, 1200, 1280, 1440)


def _bar(page) -> dict:
    return page.evaluate(
        """() => {
            const nav = document.querySelector('nav.navbar');
            const links = [...nav.querySelectorAll('.nav-link')].filter(a => a.offsetParent !== null);
            const inner = a => {
                const style = getComputedStyle(a);
                const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
                return a.getBoundingClientRect().height - padding;
            };
            const line = parseFloat(getComputedStyle(links[0] || nav).lineHeight) || 24;
            return {
                height: nav.getBoundingClientRect().height,
                wider: document.documentElement.scrollWidth - window.innerWidth,
                broken: links.filter(a => inner(a) > line * 1.5).map(a => a.textContent.trim()),
                collapsed: getComputedStyle(nav.querySelector('.navbar-toggler')).display !== 'none',
            };
        }"""
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_bar_of_the_busiest_roles_never_wraps_a_label_nor_widens_the_page(page, password, language):
    organiser = factories.OrganiserFactory(full_name="王组织")
    platform = factories.OrganiserFactory(full_name="平台管理员", is_superuser=True, association=False)
    factories.EditionFactory().organisers.add(organiser)
    seen = []
    for user in (organiser, platform):
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
        log_in(page, user, password)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(page.base_url + "/events/")
            bar = _bar(page)
            seen.append((user.full_name, width, bar["collapsed"]))
            assert (bar["wider"], bar["broken"]) == (0, []), (user.full_name, width, bar)
            assert bar["height"] < 70, (user.full_name, width, bar)  # one line (the bar is 56 px high)
            nav_click(page, "events:todo")  # open or behind the button, the links lead on
            page.wait_for_url("**/events/todo/")
    # In Chinese an organiser's bar lies open on a laptop; whatever is collapsed still opens with the button.
    if language == "zh-hans":
        assert ("王组织", 1440, False) in seen
