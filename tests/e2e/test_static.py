"""The stylesheet the pages link to is served by the pool."""


def test_stylesheet_is_served_as_css(browser):
    r = browser.get("/static/style.css")
    assert r.status == 200, r.describe()
    assert (r.header("Content-Type") or "").startswith("text/css"), r.describe()
    assert "{" in r.body, "stylesheet body looks empty"


def test_pages_link_the_stylesheet(browser):
    assert 'href="/static/style.css"' in browser.get("/").body
