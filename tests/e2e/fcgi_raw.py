"""FastCGI spoken by hand, for the tests that talk to the pool's socket with no web server in between."""

import socket
import struct

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6
FCGI_GET_VALUES = 9
FCGI_KEEP_CONN = 1


def record(rtype, content=b"", version=1, request_id=1, length=None):
    """Returns one FastCGI record; length overrides the content length the header claims."""
    n = len(content) if length is None else length
    return struct.pack(">BBHHBB", version, rtype, request_id, n, 0, 0) + content


def long_lengths(name_len, value_len):
    """Returns a name-value pair header with two four-byte lengths and a few bytes of data."""
    return struct.pack(">II", name_len | 0x80000000, value_len | 0x80000000) + b"abc"


def begin(keep=False, role=1, request_id=1):
    """Returns an FCGI_BEGIN_REQUEST record (role 1: responder)."""
    return record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", role, FCGI_KEEP_CONN if keep else 0),
                  request_id=request_id)


def pairs(params):
    """Returns params (a dict of str) encoded as FastCGI name-value pairs."""
    out = b""
    for name, value in params.items():
        for part in (name.encode(), value.encode()):
            out += bytes([len(part)]) if len(part) < 128 else struct.pack(">I", len(part) | 0x80000000)
        out += name.encode() + value.encode()
    return out


def request(path="/ping", method="GET", body=b"", keep=False, request_id=1, headers=None):
    """Returns a whole well-formed request as nginx would send it (headers: more parameters, such
    as HTTP_ORIGIN)."""
    params = {"REQUEST_METHOD": method, "REQUEST_URI": path, "QUERY_STRING": "",
              "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost",
              "CONTENT_LENGTH": str(len(body)) if body else "",
              "CONTENT_TYPE": "application/x-www-form-urlencoded" if body else "", **(headers or {})}
    out = begin(keep, request_id=request_id) + record(FCGI_PARAMS, pairs(params), request_id=request_id)
    out += record(FCGI_PARAMS, request_id=request_id)
    if body:
        out += record(FCGI_STDIN, body, request_id=request_id)
    return out + record(FCGI_STDIN, request_id=request_id)


def connect(sock_path, timeout=10):
    """Returns a socket connected to the pool's unix socket."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(sock_path))
    return s


def read_response(s):
    """Reads records until FCGI_END_REQUEST. Returns the STDOUT bytes, or None if the pool hung up first."""
    out, buf = b"", b""
    while True:
        while len(buf) >= 8:
            _, rtype, _, n, pad = struct.unpack(">BBHHB", buf[:7])
            if len(buf) < 8 + n + pad:
                break
            if rtype == FCGI_STDOUT:
                out += buf[8:8 + n]
            if rtype == FCGI_END_REQUEST:
                return out
            buf = buf[8 + n + pad:]
        try:
            chunk = s.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk


def send_raw(sock_path, data):
    """Connects to the pool's socket, sends data, half-closes and reads until the pool hangs up.
    Returns what the pool sent back."""
    got = b""
    with connect(sock_path) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(65536):
                got += chunk
        except OSError:
            pass            # the pool may hang up before reading it all: what is tested is the pool
    return got
