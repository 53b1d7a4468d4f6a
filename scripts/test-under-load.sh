#!/usr/bin/env bash
# Run the ssh, batch and e2e suites again while unrelated load runs beside
# them (issue 17: the suite must hold on a busy machine, not only an empty one).
#
# The load, all started here and all stopped here (by pid and container name):
#   * a podman container from the local Debian base image, publishing a few
#     loopback ports (perl listeners: no registry, nothing to install);
#   * one CPU-bound process per core (MTA_LOAD_CPU=0 leaves them out: CI runs
#     the rest of the suite beside this run instead, real work as the load).
# The whole run is bounded by MTA_LOAD_TIMEOUT seconds. Exit status: pytest's
# (124 when the bound is hit; 2 when the load could not be started).
#
#   scripts/test-under-load.sh                      # the default selection below
#   MTA_LOAD_E2E='tests/e2e' scripts/test-under-load.sh   # every e2e VM (slow)
#
# The e2e part runs one legacy VM by default (flask: the lightest image to
# migrate; tomcat's own fix is proven by its image build, which the first
# suite run does) plus the podman verify tests; set MTA_LOAD_E2E (or MTA_LOAD_DIRS)
# to change it, to "" for none.
set -u
cd "$(dirname "$0")/.."

LIMIT=${MTA_LOAD_TIMEOUT:-1200}
DIRS=${MTA_LOAD_DIRS-"tests/ssh tests/batch"}
E2E=${MTA_LOAD_E2E-"tests/e2e/test_verify_podman.py tests/e2e/test_legacy_vms.py::test_legacy_vm_migrates[flask]"}
BASE_IMAGE=${MTA_BASE_IMAGE:-docker.io/library/debian:bookworm-slim}
RUNTIME=${MTA_OCI_RUNTIME:-runc}
NAME="mta-load-$$"
LABEL="io.mta.test=load"
BURNERS=()

log() { echo "test-under-load: $*" >&2; }

cleanup() {
    local pid
    for pid in "${BURNERS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${BURNERS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    podman rm -f -t 0 "$NAME" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A listener per port inside the container; each accepts and says one line.
LISTEN='use IO::Socket::INET;
my @s = map { IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => $_, Listen => 16, ReuseAddr => 1)
              or die "port $_: $!" } @ARGV;
while (1) { for my $s (@s) { $s->blocking(0); my $c = $s->accept or next; print $c "load\n"; close $c } select(undef, undef, undef, 0.2) }'

PORTS=(2222 3306 5432 8080 9000)
publish=()
for p in "${PORTS[@]}"; do publish+=(-p "127.0.0.1::$p"); done
if ! podman run -d --rm --runtime "$RUNTIME" --name "$NAME" --label "$LABEL" "${publish[@]}" \
        "$BASE_IMAGE" perl -e "$LISTEN" "${PORTS[@]}" >/dev/null; then
    log "cannot start the load container from $BASE_IMAGE (run scripts/podman-setup.sh first)"
    exit 2
fi
log "container $NAME publishes: $(podman port "$NAME" 2>/dev/null | tr '\n' ' ')"

cores=$(nproc 2>/dev/null || echo 2)
[ "${MTA_LOAD_CPU:-1}" = 0 ] && cores=0
for _ in $(seq 1 "$cores"); do
    # a CPU-bound loop, bounded even if this script is killed with -9
    timeout "$((LIMIT + 60))" bash -c 'while :; do :; done' &
    BURNERS+=("$!")
done
log "$cores CPU burner(s): pids ${BURNERS[*]}"

started=$(date +%s)
# shellcheck disable=SC2086  # DIRS and E2E are lists of pytest paths and node ids
timeout --kill-after=30 "$LIMIT" python3 -m pytest $DIRS $E2E -q -p no:cacheprovider "$@"
status=$?
log "pytest exited $status after $(( $(date +%s) - started ))s under load (bound ${LIMIT}s)"
exit "$status"
