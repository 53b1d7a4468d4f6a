#!/bin/sh
# Like the official entrypoint: options alone mean "redis-server OPTIONS".
set -e
case "${1:-}" in -*|'') set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
    shift
    # Listen on the container network like the official image does.
    set -- redis-server --bind '0.0.0.0 ::' --protected-mode no --dir /data "$@"
fi
exec "$@"
