"""The stylesheet the pages link to is served by the pool."""

from stack import TEMPLATES


def test_stylesheet_is_served_as_css(browser):
    r = browser.get("/static/style.css")
    assert r.status == 200, r.describe()
    assert r.header("Content-Type") == "text/css; charset=utf-8", r.describe()
    assert r.header("Cache-Control") == "public, max-age=3600", r.describe()
    assert r.body == (TEMPLATES / "style.css").read_text(), "the stylesheet is not templates/style.css, whole"


def test_pages_link_the_stylesheet(browser):
    assert 'href="/static/style.css"' in browser.get("/").body
