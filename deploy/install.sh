#!/bin/sh
# Sets tessera up on this machine after `make install`, on its existing PostgreSQL as Debian packages
# it (superuser `postgres`, peer authentication on the unix socket, SCRAM passwords over TCP).
# Run as root. It only adds what is missing, so it may run again (the two roles get new passwords).
#
#   deploy/install.sh [NAME]    NAME: also create the first tessera user (password on stdin or prompted)
#
# Environment: PREFIX (/usr/local, as for make install), ETC (/etc/tessera), and libpq's PGHOST and
# PGPORT when PostgreSQL's socket directory or port are not Debian's.
set -eu

PREFIX="${PREFIX:-/usr/local}"
ETC="${ETC:-/etc/tessera}"
TESSERA="$PREFIX/sbin/tessera"
PORT="${PGPORT:-5432}"

# The system user the pool runs as.
id -u tessera >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin tessera

# The secret that signs cookies: 32 random bytes in hex, readable by the pool's group only.
if [ ! -s "$ETC/secret" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ETC/secret")
fi
chown root:tessera "$ETC/secret"
chmod 0640 "$ETC/secret"

# Fresh passwords for the owner and the pool's role, each in a libpq password file that only its
# user reads: the owner's for root (migrate, user add), the pool's for tessera.
OWNER_PASSWORD="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WEB_PASSWORD="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(umask 077 && printf '*:*:tessera:tessera_owner:%s\n' "$OWNER_PASSWORD" >"$ETC/owner.pgpass")
(umask 077 && printf '*:*:tessera:tessera_web:%s\n' "$WEB_PASSWORD" >"$ETC/web.pgpass")
chown tessera:tessera "$ETC/web.pgpass"

# The superuser's step: roles and database (roles.sql says which and why). The passwords travel on
# standard input, never on a command line.
{
    printf '\\set owner_password %s\n\\set web_password %s\n' "$OWNER_PASSWORD" "$WEB_PASSWORD"
    cat "$PREFIX/share/tessera/roles.sql"
} | (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres)

# The owner's configuration, for root's migrate and user commands; the pool's, from the example,
# connecting as tessera_web (kept when it exists: edit it freely).
(umask 077 && printf 'database = host=localhost port=%s dbname=tessera user=tessera_owner passfile=%s\nmigrations = %s\n' \
    "$PORT" "$ETC/owner.pgpass" "$PREFIX/share/tessera/migrations" >"$ETC/owner.conf")
if [ ! -f "$ETC/tessera.conf" ]; then
    sed -e "s|^database = .*|database = host=localhost port=$PORT dbname=tessera user=tessera_web passfile=$ETC/web.pgpass|" \
        -e "s|^\(# \)\?secret_file = .*|secret_file = $ETC/secret|" "$ETC/tessera.conf.example" >"$ETC/tessera.conf"
fi

# The schema, as its owner; then the first user.
"$TESSERA" -c "$ETC/owner.conf" migrate
if [ "$#" -gt 0 ]; then
    "$TESSERA" -c "$ETC/owner.conf" user add "$1"
fi
