"""The browser of the end-to-end tests: a tiny HTTP client with one cookie jar that signs in and
out through the pool's forms, and the cookies it keeps (Set-Cookie parsing, the pool's cookie
names). Every cookie, password and CSRF value it sends or receives goes to the secret watcher."""

import email.utils
import http.client
import ssl
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone

from page import Response
from processes import StackError
from secret_watch import SECRETS

COOKIE = "tessera_session"      # config cookie_name, default
PRE_COOKIE = COOKIE + "_pre"
HOST_PREFIX = "__Host-"         # the pool's prefix for Secure cookies
HTTP_TIMEOUT = 10.0             # seconds for one HTTP request


@dataclass
class SetCookie:
    """One parsed Set-Cookie header: name, value and lower-cased attributes."""
    name: str
    value: str
    attrs: dict

    def expired(self):
        """Returns True when the header deletes the cookie (Max-Age <= 0 or Expires in the past)."""
        if "max-age" in self.attrs:
            try:
                return int(self.attrs["max-age"]) <= 0
            except ValueError:
                return False
        if "expires" in self.attrs:
            try:
                when = email.utils.parsedate_to_datetime(self.attrs["expires"])
            except (TypeError, ValueError):
                return False
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return when <= datetime.now(timezone.utc)
        return False


def parse_set_cookie(header):
    """Parses one Set-Cookie header value into a SetCookie."""
    parts = [p.strip() for p in header.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return SetCookie(name.strip(), value.strip(), attrs)



class Browser:
    """A tiny HTTP client for the stack's nginx: one cookie jar, never follows redirects."""

    user_agent = "tessera-e2e"      # the User-Agent header it sends; set one per browser to vary it

    def __init__(self, stack, timeout=HTTP_TIMEOUT, tls=False, source=None):
        self.host = "127.0.0.1"
        self.tls = tls                  # to a Stack's TLS listener (tls_port)
        self.port = stack.tls_port if tls else stack.port
        self.ca_file = stack.tls_cert if tls else getattr(stack, "ca_file", None)  # set: HTTPS, verified
        self.source = source            # the client address to connect from (any 127.x.y.z), or None
        self.timeout = timeout
        self.cookies = {}
        https = bool(self.ca_file)      # the pool names a Secure cookie __Host-... (cookie_secure auto)
        self.cookie_name = (stack.cookie_name(https=https) if hasattr(stack, "cookie_name")
                            else (HOST_PREFIX if https else "") + COOKIE)
        self.site = stack               # for its logs() in a failed sign_in's message

    @property
    def session(self):
        """Returns the value of the session cookie in the jar, or None."""
        return self.cookies.get(self.cookie_name)

    @property
    def origin(self):
        """Returns this site's origin, as a browser sends it in an Origin header."""
        return f"{'https' if self.ca_file else 'http'}://{self.host}:{self.port}"

    def request(self, method, path, body=None, headers=None, cookies=None):
        """Sends one request (cookies: the jar unless given) and updates the jar. Returns a Response."""
        jar = self.cookies if cookies is None else cookies
        hdrs = {"User-Agent": self.user_agent}
        if jar:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
            for v in jar.values():
                SECRETS.remember(v)
        hdrs.update(headers or {})
        source = (self.source, 0) if self.source else None
        if self.ca_file:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=ssl.create_default_context(cafile=self.ca_file),
                                               source_address=source)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                              source_address=source)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            headers_out = resp.getheaders()
            status, reason = resp.status, resp.reason
        finally:
            conn.close()
        set_cookies = {}
        for k, v in headers_out:
            if k.lower() == "set-cookie":
                c = parse_set_cookie(v)
                set_cookies[c.name] = c
                SECRETS.remember(c.value)
                if c.expired():
                    self.cookies.pop(c.name, None)
                else:
                    self.cookies[c.name] = c.value
        return Response(status, reason, headers_out, raw.decode("utf-8", "replace"), set_cookies)

    def get(self, path, **kw):
        """GET path."""
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        """POST a form: fields is a dict (url-encoded here) or a ready-made str/bytes body."""
        if isinstance(fields, dict):
            if str(fields.get("password")) not in str(fields.get("username")):   # the name is logged
                SECRETS.remember(fields.get("password"))
            SECRETS.remember(fields.get("csrf"))
            body = urllib.parse.urlencode(fields)
        else:
            body = fields
        if isinstance(body, str):
            body = body.encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(kw.pop("headers", None) or {})
        return self.request("POST", path, body=body, headers=headers, **kw)

    def login_csrf(self):
        """GETs the sign-in form (without sending the session cookie) and returns its csrf value."""
        jar = {k: v for k, v in self.cookies.items() if k != self.cookie_name}
        r = self.get("/", cookies=jar)     # Set-Cookie (tessera_pre) still lands in self.cookies
        inputs = r.form("/login")
        if r.status != 200 or not inputs or not inputs.get("csrf"):
            raise StackError("GET / did not give a sign-in form with a csrf field:\n" + r.describe())
        return inputs["csrf"]

    def login(self, username, password, remember=False):
        """Signs in through the form (GET / for csrf, then POST /login), ticking "remember me" if
        remember. Returns the POST's Response."""
        fields = {"username": username, "password": password, "csrf": self.login_csrf()}
        if remember:
            fields["remember"] = "on"
        return self.post("/login", fields)

    def sign_in(self, user, remember=False):
        """Signs in as user (a User) like login(), and raises StackError, with the site's logs,
        unless that answered 303 and left a session cookie in the jar. Returns the POST's Response."""
        r = self.login(user.name, user.password, remember)
        if r.status != 303 or not self.session:
            logs = getattr(self.site, "logs", lambda: "")()
            raise StackError(f"sign-in of {user.name!r} failed:\n" + r.describe() + "\n" + logs)
        return r

    def dashboard(self):
        """GET /dashboard."""
        return self.get("/dashboard")

    def form_csrf(self, path, action=None):
        """GETs path and returns the csrf value of its form posting to action (default: path);
        StackError when the page has no such form with one."""
        r = self.get(path)
        inputs = r.form(action or path)
        if r.status != 200 or inputs is None or not inputs.get("csrf"):
            raise StackError(f"{path} has no form to {action or path} with a csrf field:\n" + r.describe())
        return inputs["csrf"]

    def dashboard_csrf(self):
        """Returns the csrf value of the dashboard's sign-out form: the session's, which every
        signed-in form carries."""
        return self.form_csrf("/dashboard", "/logout")

    def logout(self):
        """Signs out through the dashboard's sign-out form. Returns the POST /logout Response."""
        return self.post("/logout", {"csrf": self.dashboard_csrf()})


class Site:
    """What a Browser can be pointed at (a Stack's nginx, an ApacheFront): new browsers for it,
    signed in or not."""

    def browser(self, **kw):
        """Returns a new Browser (empty cookie jar) pointed at this site; kw as Browser takes."""
        return Browser(self, **kw)

    def signed_in_browser(self, user, user_agent=None, **kw):
        """Returns a new Browser (kw as Browser takes; sending user_agent when given) signed in as
        user (Browser.sign_in)."""
        b = self.browser(**kw)
        if user_agent is not None:
            b.user_agent = user_agent
        b.sign_in(user)
        return b
