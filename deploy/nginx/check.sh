#!/usr/bin/env bash
# Checks with `nginx -t` that tessera.conf and the snippet load, using throwaway certificates.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

mkdir "$TMP/snippets"
cp "$HERE/tessera-fastcgi.conf" "$TMP/snippets/"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=tessera.example.org \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
sed -e "s#/etc/ssl/tessera/fullchain.pem#$TMP/cert.pem#" \
    -e "s#/etc/ssl/tessera/privkey.pem#$TMP/key.pem#" \
    -e "s#/var/log/nginx/#$TMP/#" \
    "$HERE/tessera.conf" >"$TMP/tessera.conf"
cat >"$TMP/nginx.conf" <<CONF
pid $TMP/nginx.pid;
error_log $TMP/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    include $TMP/tessera.conf;
}
CONF
nginx -q -t -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/error.log"
echo "deploy/nginx: tessera.conf and tessera-fastcgi.conf pass nginx -t"
