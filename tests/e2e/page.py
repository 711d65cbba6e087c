"""What the pool answered, read as a page: the Response (status, headers, body), its forms and
text, the security headers every response must carry, and the few things a test reads off a page
(sent back to sign-in, view count, the sign-in error)."""

import html
import html.parser
import re
import urllib.parse
from dataclasses import dataclass, field

BAD_LOGIN = "Invalid username or password."


class _FormParser(html.parser.HTMLParser):
    """Collects every <form> (action, method) and its <input> names and values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                             "inputs": {}}
            self.forms.append(self._current)
        elif tag in ("input", "button") and "name" in a:
            form = self._current
            if form is None:
                form = {"action": None, "method": None, "inputs": {}}
                self.forms.append(form)
                self._current = form
            form["inputs"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None



@dataclass
class Response:
    """An HTTP response: status, headers (in order, repeats kept), decoded body, parsed Set-Cookies."""
    status: int
    reason: str
    headers: list
    body: str
    set_cookies: dict = field(default_factory=dict)

    def header(self, name):
        """Returns the first value of header name (any case), or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def location(self):
        """Returns the path of the Location header ('' when absent)."""
        return urllib.parse.urlsplit(self.header("Location") or "").path

    @property
    def is_html(self):
        """Returns True for a text/html response whose body looks like an HTML page."""
        ctype = (self.header("Content-Type") or "").lower()
        return ctype.startswith("text/html") and "<html" in self.body.lower()

    def forms(self):
        """Returns the forms of the page: dicts with action, method and inputs."""
        p = _FormParser()
        p.feed(self.body)
        p.close()
        return p.forms

    def form(self, action):
        """Returns the inputs of the first form posting to action, or None."""
        for f in self.forms():
            if f["action"] is not None and urllib.parse.urlsplit(f["action"]).path == action:
                return f["inputs"]
        return None

    @property
    def text(self):
        """Returns the body with tags removed, entities decoded and white space collapsed."""
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", self.body)).split())

    def describe(self):
        """Returns status, headers and the start of the body, for assertion messages."""
        heads = "\n".join(f"{k}: {v}" for k, v in self.headers)
        return f"HTTP {self.status} {self.reason}\n{heads}\n\n{self.body[:1500]}"



HSTS_MIN_AGE = 31536000        # a year, as ASVS asks of Strict-Transport-Security


def security_header_problems(response, https=False):
    """Returns what is wrong with the headers every response must carry (issue 3, control 9):
    nosniff, a CSP with default-src 'self' and frame-ancestors 'none', Referrer-Policy same-origin,
    each once; Cache-Control no-store with any Set-Cookie; HSTS of a year or more over HTTPS only.
    Returns [] when nothing is wrong."""
    def values(name):
        return [v.strip() for k, v in response.headers if k.lower() == name.lower()]

    problems = []
    if values("X-Content-Type-Options") != ["nosniff"]:
        problems.append(f"X-Content-Type-Options {values('X-Content-Type-Options')}, want ['nosniff']")
    csp = values("Content-Security-Policy")
    if len(csp) != 1:
        problems.append(f"Content-Security-Policy {csp}, want exactly one")
    else:
        directives = {d.split()[0].lower(): d.split()[1:] for d in csp[0].split(";") if d.strip()}
        for name, want in (("default-src", ["'self'"]), ("frame-ancestors", ["'none'"])):
            if directives.get(name) != want:
                problems.append(f"CSP {name} is {directives.get(name)}, want {want}")
    if values("Referrer-Policy") != ["same-origin"]:
        problems.append(f"Referrer-Policy {values('Referrer-Policy')}, want ['same-origin']")
    if values("Set-Cookie") and not any("no-store" in v.lower() for v in values("Cache-Control")):
        problems.append(f"Set-Cookie with Cache-Control {values('Cache-Control')}, want no-store")
    hsts = values("Strict-Transport-Security")
    if not https and hsts:
        problems.append(f"Strict-Transport-Security {hsts} over plain HTTP")
    if https:
        age = re.search(r"max-age=(\d+)", hsts[0]) if len(hsts) == 1 else None
        if not age or int(age.group(1)) < HSTS_MIN_AGE:
            problems.append(f"Strict-Transport-Security {hsts} over HTTPS, want one of max-age >= {HSTS_MIN_AGE}")
    return problems


def signed_out(response):
    """Returns True when a response sends the visitor back to the sign-in page (303 to /)."""
    return response.status == 303 and response.location == "/"


def view_count(response):
    """Returns N from 'This page has been viewed N times', or None when absent."""
    m = re.search(r"viewed\s+(\d+)\s+times?", response.text)
    return int(m.group(1)) if m else None
