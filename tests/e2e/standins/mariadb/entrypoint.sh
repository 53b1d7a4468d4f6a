#!/bin/bash
# The parts of the official mariadb entrypoint that generated files use.
set -euo pipefail
case "${1:-}" in -*|'') set -- mariadbd "$@" ;; esac
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then exec "$@"; fi

file_env() {  # VAR or VAR_FILE
    local var=$1 fvar="${1}_FILE"
    if [ -n "${!fvar:-}" ]; then export "$var"="$(< "${!fvar}")"; fi
}
for v in ROOT_PASSWORD DATABASE USER PASSWORD; do file_env "MARIADB_$v"; file_env "MYSQL_$v"; done
ROOT_PW="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}"
DB="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
USR="${MARIADB_USER:-${MYSQL_USER:-}}"
PW="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"
ASUSER=()
[ "$(id -u)" = 0 ] && ASUSER=(--user=mysql)

if [ ! -d /var/lib/mysql/mysql ]; then
    if [ -z "$ROOT_PW" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}" ] \
       && [ -z "${MARIADB_RANDOM_ROOT_PASSWORD:-${MYSQL_RANDOM_ROOT_PASSWORD:-}}" ]; then
        echo "error: database is uninitialized and MARIADB_ROOT_PASSWORD is not set" >&2
        exit 1
    fi
    mariadb-install-db "${ASUSER[@]}" --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=normal >/dev/null
    mariadbd "${ASUSER[@]}" --skip-networking --socket=/run/mysqld/init.sock & pid=$!
    for _ in $(seq 60); do mariadb-admin --socket=/run/mysqld/init.sock ping >/dev/null 2>&1 && break; sleep 1; done
    q() { mariadb --socket=/run/mysqld/init.sock -uroot "$@"; }
    esc() { printf '%s' "$1" | sed "s/'/''/g; s/\\\\/\\\\\\\\/g"; }
    {
        echo "DELETE FROM mysql.user WHERE user='';"
        [ -n "$ROOT_PW" ] && echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(esc "$ROOT_PW")'; CREATE USER 'root'@'%' IDENTIFIED BY '$(esc "$ROOT_PW")'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        [ -n "$DB" ] && echo "CREATE DATABASE IF NOT EXISTS \`$DB\`;"
        if [ -n "$USR" ] && [ -n "$PW" ]; then
            echo "CREATE USER '$(esc "$USR")'@'%' IDENTIFIED BY '$(esc "$PW")';"
            [ -n "$DB" ] && echo "GRANT ALL ON \`$DB\`.* TO '$(esc "$USR")'@'%';"
        fi
        echo "FLUSH PRIVILEGES;"
    } | q
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sql) q ${DB:+"$DB"} -p"$ROOT_PW" < "$f" ;;
            *.sql.gz) gunzip -c "$f" | q ${DB:+"$DB"} -p"$ROOT_PW" ;;
            *.sh) . "$f" ;;
        esac
    done
    mariadb-admin --socket=/run/mysqld/init.sock -uroot ${ROOT_PW:+-p"$ROOT_PW"} shutdown
    wait "$pid" || true
fi
exec "$@" "${ASUSER[@]}"
