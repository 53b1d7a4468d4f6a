#!/usr/bin/env bash
# Run a private Docker Engine (Debian's docker.io, dockerd 20.10) as root on a
# machine without systemd, and give it the local Debian base image that
# `mta generate --base debian` Dockerfiles start FROM.
#
#   scripts/docker-setup.sh [start]   # start unless running; load the base image;
#                                     # prints DOCKER_HOST=unix:///run/mta-docker/docker.sock
#   scripts/docker-setup.sh stop      # stop the dockerd started here (by its pidfile)
#   scripts/docker-setup.sh status    # exit 0 when that dockerd answers
#
#   export "$(scripts/docker-setup.sh)"; mta verify OUT --engine docker
#
# Idempotent: installs docker.io only when dockerd is missing, starts dockerd
# only when the one from the pidfile is not answering, loads the base image only
# when docker's copy differs from podman's. The daemon keeps to its own paths
# (data root, exec root, socket, pidfile), so it never touches a system docker's
# /var/lib/docker or /var/run/docker.sock.
#
# Settings (environment):
#   MTA_DOCKER_STATE           socket, pidfile, log, exec root  [/run/mta-docker]
#   MTA_DOCKER_DATA            images, containers, volumes      [/var/lib/mta-docker]
#   MTA_DOCKER_STORAGE_DRIVER  overlay2 or vfs [overlay2, vfs when overlay2 cannot start]
#   MTA_BASE_IMAGE, MTA_BASE_EXTRA_TAGS   as in scripts/podman-setup.sh
#
# Exit status: 0 ready (or stopped), 1 cannot (message on stderr).
set -euo pipefail

STATE="${MTA_DOCKER_STATE:-/run/mta-docker}"
DATA="${MTA_DOCKER_DATA:-/var/lib/mta-docker}"
DRIVER="${MTA_DOCKER_STORAGE_DRIVER:-}"
SOCK="$STATE/docker.sock"
PIDFILE="$STATE/docker.pid"
LOG="$STATE/dockerd.log"
HOST="unix://$SOCK"
BASE_IMAGE="${MTA_BASE_IMAGE:-docker.io/library/debian:bookworm-slim}"
EXTRA_TAGS="${MTA_BASE_EXTRA_TAGS:-docker.io/library/debian:bookworm docker.io/library/debian:12-slim docker.io/library/debian:12}"
HERE="$(cd "$(dirname "$0")" && pwd)"

die() { echo "docker-setup: $*" >&2; exit 1; }
log() { echo "docker-setup: $*" >&2; }

dk() { docker -H "$HOST" "$@"; }

# The pid in the pidfile, when that process is the dockerd started with this pidfile.
our_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null || true)
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--pidfile $PIDFILE" || return 1
    echo "$pid"
}

answering() { dk version --format '{{.Server.Version}}' >/dev/null 2>&1; }

stop() {
    local pid
    if ! pid=$(our_pid); then
        log "not running"
        rm -f "$PIDFILE"
        return 0
    fi
    kill -TERM "$pid"
    # dockerd stops its containers (10s grace each, in parallel) and its containerd.
    for _ in $(seq 1 150); do
        [ -d "/proc/$pid" ] || break
        sleep 0.2
    done
    if [ -d "/proc/$pid" ]; then
        log "dockerd $pid did not stop in 30s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE" "$SOCK"
    log "stopped dockerd $pid"
}

start_daemon() {
    local driver="$1" pid
    mkdir -p "$STATE" "$DATA"
    chmod 0711 "$STATE"
    rm -f "$SOCK"
    # When ip_forward is off, dockerd turns it on AND sets the iptables FORWARD
    # policy to DROP, which cuts every other bridge on the host (podman's CNI
    # network, with bridge-nf-call-iptables on). Turned on first, docker leaves
    # the policy alone; its own DOCKER-USER/ISOLATION rules still apply.
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || echo 1 >/proc/sys/net/ipv4/ip_forward
    # The default bridge (docker0) with iptables NAT: `docker build` RUN steps
    # reach the Debian mirror, user networks get docker's embedded DNS (service
    # names resolve), -p 127.0.0.1::PORT goes through docker-proxy.
    setsid dockerd \
        --data-root "$DATA" \
        --exec-root "$STATE/exec" \
        -H "$HOST" \
        --pidfile "$PIDFILE" \
        --storage-driver "$driver" \
        --log-level warn \
        </dev/null >>"$LOG" 2>&1 9>&- &
    pid=$!
    for _ in $(seq 1 300); do
        if answering; then
            return 0
        fi
        [ -d "/proc/$pid" ] || break
        sleep 0.2
    done
    kill -TERM "$pid" 2>/dev/null || true
    return 1
}

start() {
    if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
        log "installing docker.io"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null; } \
            || die "apt-get install docker.io failed"
    fi
    if our_pid >/dev/null && answering; then
        log "dockerd $(our_pid) running at $HOST"
    else
        if pid=$(our_pid); then
            log "dockerd $pid does not answer: restarting it"
            stop
        fi
        local started=$SECONDS
        : >"$LOG"
        if [ -n "$DRIVER" ]; then
            start_daemon "$DRIVER" || { tail -n 15 "$LOG" >&2; die "dockerd ($DRIVER) did not start; log: $LOG"; }
        elif ! start_daemon overlay2; then
            # overlay2 needs overlayfs over a backing fs with d_type; vfs always
            # works but copies every layer in full (slower builds, more disk).
            log "overlay2 failed ($(grep -m1 -i 'overlay' "$LOG" || tail -n 1 "$LOG")): trying vfs"
            start_daemon vfs || { tail -n 15 "$LOG" >&2; die "dockerd did not start; log: $LOG"; }
        fi
        log "started dockerd $(our_pid) at $HOST in $((SECONDS - started))s, storage driver $(dk info --format '{{.Driver}}')"
    fi

    # The base image: the one scripts/podman-setup.sh builds with debootstrap,
    # copied over when docker's differs (same image ID on both engines).
    bash "$HERE/podman-setup.sh" >/dev/null || die "scripts/podman-setup.sh failed (it builds the base image)"
    local want have
    want=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")
    have=$(dk image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true)
    if [ "${have#sha256:}" != "${want#sha256:}" ]; then
        podman save --format docker-archive "$BASE_IMAGE" | dk load -q >/dev/null \
            || die "loading $BASE_IMAGE into docker failed"
        log "loaded $BASE_IMAGE"
    else
        log "base image $BASE_IMAGE present"
    fi
    for tag in $EXTRA_TAGS; do
        dk tag "$BASE_IMAGE" "$tag"
    done
    echo "DOCKER_HOST=$HOST"
}

locked() {
    [ "$(id -u)" = 0 ] || die "must run as root (dockerd)"
    mkdir -p "$STATE"
    # One start/stop at a time (test sessions may call this concurrently).
    exec 9>"$STATE/setup.lock"
    flock 9
    "$@"
}

case "${1:-start}" in
    start) locked start ;;
    stop) locked stop ;;
    status) our_pid >/dev/null && answering ;;
    *) die "usage: $0 [start|stop|status]" ;;
esac
