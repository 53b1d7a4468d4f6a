# mta discovery probe, format v1.
#
# POSIX sh (dash, busybox ash, bash --posix). Only reads: it writes no file,
# starts no service, changes nothing. Output is a stream of blocks, each
# introduced by a line "===MTA:<nonce>:<kind> <arg>" preceded by a newline.
# The nonce is drawn at run time, so nothing a process, file or command prints
# can forge a block boundary.
#
# Settings (prepend "NAME=value" lines to change them):
SAMPLE_SECONDS=${SAMPLE_SECONDS:-0}        # live utilization sample: it spans the probe's run; N = at least N s
HTTP_CHECKS=${HTTP_CHECKS:-1}              # 1 = GET / on each listening TCP port
SECTIONS=${SECTIONS:-"meta os hardware mounts users processes sockets services packages cron utilization http"}
SECTION_CAP=${SECTION_CAP:-8388608}        # bytes per section at most
ENV_CAP=${ENV_CAP:-8192}                   # bytes of one process's environment
ENVS_CAP=${ENVS_CAP:-2097152}              # bytes of all environments together
CMDLINE_CAP=${CMDLINE_CAP:-16384}          # bytes of one process's command line
HTTP_MAX_PORTS=${HTTP_MAX_PORTS:-12}
HTTP_MAX_BYTES=${HTTP_MAX_BYTES:-131072}   # bytes of one reply: a CMS's <head> alone can pass 32 KiB
HTTP_ONLY_PORTS=${HTTP_ONLY_PORTS:-}      # space-separated; empty = every listening port
SADF_DAYS=${SADF_DAYS:-7}
SA_DIRS=${SA_DIRS:-"/var/log/sa /var/log/sysstat"}   # where sysstat keeps its daily files
BATCH=${BATCH:-1}                          # 0 = read /proc files one process at a time
BESIDE=${BESIDE:-1}                        # 0 = the HTTP checks after the other sections, not beside them

LC_ALL=C; export LC_ALL
PROBE_PATH=${PROBE_PATH:-}                 # exact PATH to use (tests: a busybox-only host)
if [ -n "$PROBE_PATH" ]; then PATH=$PROBE_PATH
else PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin:${PATH:-}
fi
export PATH

have() { command -v "$1" >/dev/null 2>&1; }

N=$(od -An -N8 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n')
[ -n "$N" ] || N="$$x$(date +%s 2>/dev/null)"
M="===MTA:$N:"
mark() { printf '\n%s%s\n' "$M" "$*"; }
blk() { mark "B $*"; }

# A text file through shell builtins only: no fork per file (matters for
# thousands of /proc entries).
rd() {
    [ -r "$1" ] || return 1
    while IFS= read -r _l || [ -n "$_l" ]; do printf '%s\n' "$_l"; done 2>/dev/null < "$1"
}
fblk() { [ -f "$1" ] && [ -r "$1" ] && { blk "file $1"; cat "$1" 2>/dev/null; }; return 0; }

# Commands that can hang (stale NFS, locked rpm db, stuck dbus) run bounded.
if have timeout && timeout 5 true >/dev/null 2>&1; then
    T() { timeout "$@"; }
else
    T() { shift; "$@"; }
fi
if printf 'ab' | head -c 1 >/dev/null 2>&1; then
    HEADC=1; cap() { head -c "$1"; }
else
    HEADC=0; cap() { cat; }
fi
catcap() { if [ "$HEADC" = 1 ]; then head -c "$1" "$2"; else cat "$2"; fi; }

sec_meta() {
    blk meta
    printf 'probe_version=1\n'
    printf 'date=%s\n' "$(date +%s 2>/dev/null)"
    _u=$(id -u 2>/dev/null)
    if [ -z "$_u" ]; then
        while read -r _k _v _r; do [ "$_k" = "Uid:" ] && _u=$_r && _u=${_u%% *}; done < /proc/self/status
    fi
    printf 'uid=%s\n' "$_u"
    printf 'clk_tck=%s\n' "$(getconf CLK_TCK 2>/dev/null || echo 100)"
    printf 'page_size=%s\n' "$(getconf PAGESIZE 2>/dev/null || echo 4096)"
    printf 'sample_seconds=%s\n' "$SAMPLE_SECONDS"
    printf 'shell_pid=%s\n' "$$"
    printf 'shell=%s\n' "$(readlink /proc/$$/exe 2>/dev/null)"
    while read -r _k _v; do [ "$_k" = btime ] && printf 'btime=%s\n' "$_v"; done < /proc/stat
    # which machine this is, whatever address reached it (hashed by the parser)
    for _f in /etc/machine-id /var/lib/dbus/machine-id; do
        _m=
        [ -r "$_f" ] && { read -r _m || :; } 2>/dev/null < "$_f"
        [ -n "$_m" ] && { printf 'machine_id=%s\n' "$_m"; break; }
    done
    return 0
}

sec_os() {
    for f in /etc/os-release /usr/lib/os-release /etc/redhat-release /etc/centos-release \
             /etc/system-release /etc/SuSE-release /etc/lsb-release /etc/debian_version \
             /etc/alpine-release; do
        [ -f "$f" ] && [ -r "$f" ] && { blk "file $f"; rd "$f"; }
    done
    blk kernel; uname -r
    blk arch; uname -m
    blk hostname; rd /proc/sys/kernel/hostname || hostname
    blk init
    printf 'pid1=%s\n' "$(rd /proc/1/comm 2>/dev/null)"
    [ -d /run/systemd/system ] && echo 'systemd_run=1'
    have systemctl && echo 'systemctl=1'
    have initctl && echo 'initctl=1'
    set -- /etc/init/*.conf; [ -e "$1" ] && echo "upstart_confs=$#"
    [ -d /etc/init.d ] || [ -d /etc/rc.d/init.d ] && echo 'initd=1'
    [ -f /etc/inittab ] && echo 'inittab=1'
    return 0
}

sec_hardware() {
    blk cpuinfo
    while IFS= read -r _l; do
        case $_l in
            processor*|"model name"*|"cpu cores"*|"physical id"*|Hardware*|"cpu model"*|vendor_id*) printf '%s\n' "$_l" ;;
        esac
    done < /proc/cpuinfo
    blk meminfo; rd /proc/meminfo
    blk nproc; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null
    return 0
}

sec_mounts() {
    blk mounts; rd /proc/mounts
    blk df; T 15 df -P -k 2>/dev/null
    return 0
}

sec_users() { fblk /etc/passwd; }

# Processes that are plumbing, not applications: their environment is skipped
# to keep the output small.
ENV_SKIP=" systemd systemd-journal systemd-logind systemd-udevd systemd-network systemd-resolve systemd-timesyn (sd-pam) sshd agetty getty mingetty login cron crond atd anacron dbus-daemon dbus-broker rsyslogd syslog-ng syslogd klogd udevd irqbalance polkitd NetworkManager dhclient chronyd ntpd auditd gssproxy rpcbind lvmetad multipathd snapd accounts-daemon upstart-udev-br upstart-socket- upstart-file-br init sh bash -bash dash zsh ksh su sudo sleep tmux screen ps head cat readlink od "

# Batch readers: one grep for every command line and environment, one find for
# every exe/cwd link, instead of a fork or two per process (10,000 processes).
# grep -z frames each NUL-ended string as "<pid>/<file>:<string>\0"; a string
# holds no NUL, so nothing inside one can fake a frame.
GREPZ=0; FINDP=0
if [ "$BATCH" = 1 ]; then
case $(printf 'a\0b\0' | grep -a -H -z -e '' 2>/dev/null | tr '\0' '|') in *:a\|*:b\|) GREPZ=1 ;; esac
[ "$(find /proc/self/exe -maxdepth 0 -printf ok 2>/dev/null)" = ok ] && FINDP=1
fi

sec_processes() {
    blk uptime; rd /proc/uptime
    if [ "$GREPZ" = 1 ]; then _procs_batched; else _procs_each; fi
    return 0
}

# Every /proc file of every process in a handful of commands. Kernel threads
# come along (empty cmdline, no exe); the parser drops them.
# Which of the "pid:ppid" pairs (a process named like its parent) are not
# pre-fork workers: their command line or exe differs from the parent's.
# Prints "<pid>/environ" for those. One grep and one find for all of them.
_same_as_parent() {
    _f=; _e=; _ps=" "
    for _x in "$@"; do
        for _p in "${_x%%:*}" "${_x#*:}"; do
            # each pid once (a parent of many), or its command line would be read twice
            case $_ps in *" $_p "*) continue ;; esac
            _ps="$_ps$_p "; _f="$_f $_p/cmdline"; _e="$_e $_p/exe"
        done
    done
    {
        printf 'C %s\n' "$@"
        # NUL-ended records to lines; a newline inside an argument becomes \001
        { grep -a -H -z -e '' $_f 2>/dev/null
          [ "$FINDP" = 1 ] && find $_e -maxdepth 0 -printf 'X%p:%l\0' 2>/dev/null
        } | tr '\000\n' '\n\001'
    } | awk '
        /^C / { split(substr($0, 3), a, ":"); cp[a[1]] = a[2]; next }
        /^X/ { s = substr($0, 2); i = index(s, "/"); exe[substr(s, 1, i - 1)] = substr(s, i + 5); next }
        { i = index($0, "/"); p = substr($0, 1, i - 1); cmd[p] = cmd[p] "\002" substr($0, i + 9); seen[p] = 1 }
        END { for (p in cp) { q = cp[p]
                  if (!(seen[p] && seen[q] && cmd[p] == cmd[q] && exe[p] == exe[q])) print p "/environ" } }'
}

_procs_batched() {
    cd /proc || return 0
    # Environments worth reading: not plumbing (ENV_SKIP), not a kernel thread,
    # and not a pre-fork worker: same name, exe and command line as its parent
    # (gunicorn, apache workers carry their master's environment). A python app
    # started by a python supervisor differs in its command line: it is read.
    _ev=; _cand=
    for _x in $(grep -a -H -E '^(Name|PPid):' [0-9]*/status 2>/dev/null | awk -v skip="$ENV_SKIP" '
        { i = index($0, "/"); pid = substr($0, 1, i - 1); rest = substr($0, i + 8)
          if (rest ~ /^Name:/) { v = substr(rest, 6); sub(/^[ \t]+/, "", v); name[pid] = v }
          else if (rest ~ /^PPid:/) { v = substr(rest, 6); gsub(/[ \t]/, "", v); ppid[pid] = v } }
        END { for (p in name) {
                  q = ppid[p]
                  if (p == 2 || q == 2 || index(skip, " " name[p] " ")) continue
                  if ((q in name) && name[q] == name[p]) print p ":" q
                  else print p "/environ" } }'); do
        case $_x in *:*) _cand="$_cand $_x" ;; *) _ev="$_ev $_x" ;; esac
    done
    [ -n "$_cand" ] && _ev="$_ev $(_same_as_parent $_cand)"
    blk stats; grep -a -H -z -e '' [0-9]*/stat 2>/dev/null
    blk statuses; grep -a -H -E '^(Name|Uid|Gid|PPid|VmRSS|State):' [0-9]*/status 2>/dev/null
    blk cgroups; grep -a -H -E '^0::|name=systemd:|:memory:' [0-9]*/cgroup 2>/dev/null
    blk cmdlines; grep -a -H -z -e '' [0-9]*/cmdline 2>/dev/null
    if [ "$FINDP" = 1 ]; then
        blk links; find [0-9]*/exe [0-9]*/cwd -maxdepth 0 -printf '%p\0%l\0' 2>/dev/null
    else
        for p in [0-9]*; do
            blk "exe $p"; readlink "$p/exe" 2>/dev/null
            blk "cwd $p"; readlink "$p/cwd" 2>/dev/null
        done
    fi
    # environments last: if the section cap cuts, it cuts them
    set -f
    [ -n "$_ev" ] && { blk environs; grep -a -H -z -e '' $_ev 2>/dev/null | cap "$ENVS_CAP"; }
    set +f
    cd /
}

_procs_each() {
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        [ "$p" = "$$" ] && continue
        _st=
        read -r _st 2>/dev/null < "$d/stat" || continue
        blk "stat $p"; printf '%s\n' "$_st"
        blk "status $p"
        while IFS= read -r _l; do
            case $_l in Name:*|Uid:*|Gid:*|PPid:*|VmRSS:*|State:*) printf '%s\n' "$_l" ;; esac
        done 2>/dev/null < "$d/status"
        # kernel threads: pid 2 and its children
        _r=${_st##*) }
        set -- $_r
        [ "$p" = 2 ] || [ "${2:-}" = 2 ] && continue
        blk "cgroup $p"
        while IFS= read -r _l; do
            case $_l in 0::*|*name=systemd:*|*:memory:*) printf '%s\n' "$_l" ;; esac
        done 2>/dev/null < "$d/cgroup"
        blk "cmdline $p"; catcap "$CMDLINE_CAP" "$d/cmdline" 2>/dev/null
        # straight to stdout: a $(...) would cost one more fork per link
        blk "exe $p"; readlink "$d/exe" 2>/dev/null
        blk "cwd $p"; readlink "$d/cwd" 2>/dev/null
        _c=
        read -r _c 2>/dev/null < "$d/comm"
        case $ENV_SKIP in *" $_c "*) continue ;; esac
        [ -r "$d/environ" ] && { blk "environ $p"; catcap "$ENV_CAP" "$d/environ" 2>/dev/null; }
    done
    return 0
}

sec_sockets() {
    # each tool only if it takes these options (busybox netstat may lack -p)
    # each scan walks every process's fds: run it once, keep what it printed
    if have ss && _out=$(T 20 ss -tulpn 2>/dev/null); then
        blk ss-listen; printf '%s\n' "$_out"
        blk ss-established; T 20 ss -tnp state established 2>/dev/null | cap 1048576
    elif have netstat && _out=$(T 20 netstat -tulpn 2>/dev/null); then
        blk netstat-listen; printf '%s\n' "$_out"
        blk netstat-established; T 20 netstat -tnp 2>/dev/null | grep ESTABLISHED | cap 1048576
    else
        # No tool at all: raw tables joined to owners through /proc/<pid>/fd.
        for f in tcp tcp6 udp udp6; do
            [ -r "/proc/net/$f" ] && { blk "proc-net $f"; cat "/proc/net/$f" | cap 1048576; }
        done
        blk socket-inodes
        for d in /proc/[0-9]*; do
            p=${d#/proc/}
            ls -l "$d/fd" 2>/dev/null | sed -n "s/.*socket:\[\([0-9]*\)\].*/$p \1/p"
        done
    fi
    return 0
}

sec_services() {
    set -f
    if have systemctl && [ -d /run/systemd/system ]; then
        blk systemd-unit-files
        T 30 systemctl list-unit-files --type=service --no-legend --no-pager 2>/dev/null
        _units=$(T 30 systemctl list-units --type=service --all --no-legend --no-pager --plain 2>/dev/null \
                 | sed 's/^[^a-zA-Z0-9@_.:\\-]*//' | awk '{print $1}')
        if [ -n "$_units" ]; then
            blk systemd-show
            T 60 systemctl show -p Id -p Description -p LoadState -p ActiveState -p SubState \
                -p UnitFileState -p FragmentPath -p ExecStart -p User -p Group -p WorkingDirectory \
                -p Environment -p EnvironmentFile -p MainPID --no-pager $_units 2>/dev/null
        fi
    fi
    if have initctl; then
        blk initctl-list; T 10 initctl list 2>/dev/null
    fi
    set +f
    for f in /etc/init/*.conf; do
        [ -f "$f" ] && [ -r "$f" ] || continue
        blk "upstart-conf $f"
        while IFS= read -r _l || [ -n "$_l" ]; do
            case $_l in ''|\#*) continue ;; esac
            printf '%s\n' "$_l"
        done 2>/dev/null < "$f"
    done
    _initd=
    [ -d /etc/init.d ] && _initd=/etc/init.d
    [ -d /etc/rc.d/init.d ] && _initd=/etc/rc.d/init.d
    if [ -n "$_initd" ]; then
        blk runlevel; T 5 runlevel 2>/dev/null || T 5 who -r 2>/dev/null
        [ -r /etc/inittab ] && { blk inittab; while IFS= read -r _l; do case $_l in *initdefault*) printf '%s\n' "$_l" ;; esac; done < /etc/inittab; }
        blk sysv-scripts
        for f in "$_initd"/*; do [ -f "$f" ] && [ -x "$f" ] && printf '%s\n' "${f##*/}"; done
        blk sysv-links
        for f in /etc/rc[0-6S].d/[SK]* /etc/rc.d/rc[0-6].d/[SK]*; do [ -e "$f" ] && printf '%s\n' "$f"; done
        blk pidfiles
        for f in /var/run/*.pid /var/run/*/*.pid /run/*.pid /run/*/*.pid; do
            [ -f "$f" ] && [ -r "$f" ] || continue
            _pid=; read -r _pid 2>/dev/null < "$f"
            case $_pid in ''|*[!0-9]*) continue ;; esac
            if [ -d "/proc/$_pid" ]; then printf '%s %s alive\n' "$_pid" "$f"; else printf '%s %s dead\n' "$_pid" "$f"; fi
        done
    fi
    return 0
}

sec_packages() {
    # rpm also exists on some Debian hosts, with an empty database: ask it
    # only when it has one, or when there is no dpkg
    _rpmdb=
    for f in /var/lib/rpm/Packages /var/lib/rpm/Packages.db /var/lib/rpm/rpmdb.sqlite \
             /usr/lib/sysimage/rpm/Packages /usr/lib/sysimage/rpm/Packages.db /usr/lib/sysimage/rpm/rpmdb.sqlite; do
        [ -s "$f" ] && _rpmdb=1
    done
    if have rpm && { [ -n "$_rpmdb" ] || ! have dpkg-query; }; then
        blk rpm; T 120 rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n' 2>/dev/null
    fi
    if have dpkg-query; then
        blk dpkg; T 120 dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\t${Status}\n' 2>/dev/null
    fi
    if have apk; then
        blk apk; T 60 apk info -v 2>/dev/null
    fi
    return 0
}

sec_cron() {
    fblk /etc/crontab
    fblk /etc/anacrontab
    for f in /etc/cron.d/*; do fblk "$f"; done
    for dir in /var/spool/cron/crontabs /var/spool/cron/tabs /var/spool/cron; do
        for f in "$dir"/*; do
            [ -f "$f" ] && [ -r "$f" ] && { blk "user-crontab $f"; cat "$f" 2>/dev/null; }
        done
    done
    for per in hourly daily weekly monthly; do
        [ -d "/etc/cron.$per" ] || continue
        blk "cron-dir $per"
        for f in "/etc/cron.$per"/*; do [ -f "$f" ] && printf '%s\n' "${f##*/}"; done
    done
    if have systemctl && [ -d /run/systemd/system ]; then
        set -f
        _t=$(T 20 systemctl list-units --type=timer --all --no-legend --no-pager --plain 2>/dev/null \
             | sed 's/^[^a-zA-Z0-9@_.:\\-]*//' | awk '{print $1}')
        if [ -n "$_t" ]; then
            blk systemd-timers
            T 30 systemctl show -p Id -p Unit -p TimersCalendar -p TimersMonotonic -p ActiveState \
                -p UnitFileState --no-pager $_t 2>/dev/null
        fi
        set +f
    fi
    return 0
}

# Per-process CPU ticks for all processes, builtins only, so two passes
# around the sample give each process's CPU share over the window.
_ticks() {
    read -r _u _i < /proc/uptime; printf 'uptime %s\n' "$_u"
    # fields after the last ") " (comm may hold spaces): 12 and 13 are utime, stime
    (cd /proc && cat [0-9]*/stat 2>/dev/null) | awk '
        $1 ~ /^[0-9]+$/ { n = split($0, f, ") "); split(f[n], g, " "); print $1, g[12] + g[13] }'
}

# Hundredths of a second since boot in _cs, builtins only ("1"xx-100: no octal).
_now() {
    _up=0.00; read -r _up _r < /proc/uptime 2>/dev/null
    _cs=$(( ${_up%.*} * 100 + 1${_up#*.} - 100 ))
}

# The utilization sample spans the whole probe: the counters are read first
# (_util_start), between sections once a step has passed since the last
# reading (_util_step) and last (sec_utilization). The window is the probe's
# own run; SAMPLE_SECONDS makes it at least that long (the last reading
# waits for what is left).
# Each reading adds "P <ticks>": the CPU the probe itself (this shell and
# every child it waited for) used so far, which the parser takes off the
# host's busy time. With sysstat history (parsed instead of the live sample)
# only the per-process ticks are taken, and nothing waits.
_UON=0; _UWIN=0; _UIV=25; _UHIST=0; _USAMP=; _UPREV=; _ULAST=0; _UTK0=
_reading() {
    _now
    _e=$((_UT0 * 100 + _cs - _UC0)); _f=$((_e % 100)); [ "$_f" -lt 10 ] && _f=0$_f
    _c=; read -r _c < /proc/stat
    _st=; read -r _st < /proc/$$/stat 2>/dev/null
    set -- ${_st##*) }
    _UPREV=$_USAMP; _ULAST=$_cs
    _USAMP="${_USAMP}T $((_e / 100)).$_f
$_c
P $((${12:-0} + ${13:-0} + ${14:-0} + ${15:-0}))
"
    while IFS= read -r _l; do
        case $_l in MemTotal:*|MemFree:*|MemAvailable:*|Buffers:*|Cached:*|SwapTotal:*|SwapFree:*) _USAMP="$_USAMP$_l
" ;; esac
    done < /proc/meminfo
    _UN=$((_UN + 1))
}

_util_start() {
    # SAMPLE_SECONDS in hundredths ("2", "0.5", "1.25"; "1"xx-100: no octal)
    _ws=${SAMPLE_SECONDS%%.*}; _wf=${SAMPLE_SECONDS#"$_ws"}; _wf=${_wf#.}00; _wf=${_wf%"${_wf#??}"}
    case ${_ws:-0}$_wf in *[!0-9]*) _ws=0; _wf=00 ;; esac
    _UWIN=$(( ${_ws:-0} * 100 + 1$_wf - 100 ))
    # a reading a second over a long window; four a second over the probe's own run
    [ "$_UWIN" -ge 200 ] && _UIV=100
    for _d in $SA_DIRS; do
        for _f in "$_d"/sa[0-9][0-9] "$_d"/sa[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]; do
            [ -f "$_f" ] && have sadf && _UHIST=1
        done
    done
    _UTK0=$(_ticks)
    _UT0=$(date +%s 2>/dev/null); _now; _UC0=$_cs; _UN=0; _UON=1
    [ "$_UHIST" = 1 ] || _reading
    return 0
}

_util_step() {
    [ "$_UON" = 1 ] && [ "$_UHIST" = 0 ] && [ "$_UN" -lt 1200 ] || return 0
    _now
    [ $((_cs - _ULAST)) -ge "$_UIV" ] && _reading
    return 0
}

sec_utilization() {
    if have sadf; then
        _files=
        for _d in $SA_DIRS; do
            _files="$_files $_d/sa[0-9][0-9] $_d/sa[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]"
        done
        # saDD, or saYYYYMMDD when sysstat keeps more than 28 days; newest first
        _files=$(ls -t $_files 2>/dev/null | head -n "$SADF_DAYS")
        for f in $_files; do
            blk "sadf $f"; T 30 sadf -d "$f" -- -u -r 2>/dev/null
        done
    fi
    [ "$_UON" = 1 ] || return 0
    if [ "$_UHIST" = 0 ]; then
        # what is left of the window, a reading a step; then the last one (a
        # step taken just before it would be a sliver of a sample: replaced)
        _now; _k=$((_UWIN / _UIV + 2))  # bounded, should the clock not move
        while [ $((_cs - _UC0)) -lt "$_UWIN" ] && [ "$_k" -gt 0 ]; do
            _k=$((_k - 1))
            _left=$((_UWIN - (_cs - _UC0))); _nx=$((_ULAST + _UIV - _cs))
            [ "$_nx" -lt "$_left" ] && [ "$_nx" -gt 0 ] && _left=$_nx
            _f=$((_left % 100)); [ "$_f" -lt 10 ] && _f=0$_f
            sleep "$((_left / 100)).$_f" 2>/dev/null || sleep $((_left / 100 + 1))
            _now
            [ $((_cs - _UC0)) -lt "$_UWIN" ] && _reading
        done
        [ "$_UN" -gt 1 ] && [ $((_cs - _ULAST)) -lt $((_UIV / 2)) ] && { _USAMP=$_UPREV; _UN=$((_UN - 1)); }
        _reading
    fi
    blk "ticks 0"; printf '%s\n' "$_UTK0"
    [ -n "$_USAMP" ] && { blk sample; printf '%s' "$_USAMP"; }
    blk "ticks 1"; _ticks
    return 0
}

HTTP_SKIP=" 21 22 23 25 53 110 111 119 135 139 143 389 445 465 514 587 636 873 993 995 1433 1521 2049 2181 3306 3389 4369 5432 5672 6379 6380 9042 9092 11211 25672 27017 27018 "

NOT_HTTP="sshd mysqld mariadbd postgres postmaster redis-server memcached mongod master exim exim4 sendmail dovecot named slapd rpcbind smbd nmbd vsftpd proftpd epmd beam.smp rsync xinetd chronyd ntpd dnsmasq zabbix_agentd"
# Programs that serve HTTP (process names as ss/netstat print them, matched as
# prefixes: python3.11, php8.2, Passenger...): web servers' ports are checked
# first (the app's front door), then app runtimes'. php-fpm speaks FastCGI,
# not HTTP: it counts as NOT_HTTP.
WEB_SERVERS="nginx httpd apache2 apache lighttpd caddy traefik haproxy varnishd envoy mini_httpd thttpd busybox"
WEB_RUNTIMES="java python gunicorn uwsgi uvicorn hypercorn daphne waitress node deno bun ruby puma unicorn passenger Passenger dotnet php"
# Then these ports, in this order, whoever owns them; then every other port.
WEB_PORTS="80 443 8080 8000 8443 3000 5000 8081 9000 8888 8008 8001 8082 8090 9090 4000 3001 5001 8180 7001 4443 9443"
# ss 'users:(("sshd",pid=1,fd=3))' or netstat '1234/sshd': print "PORT:s" for
# a port a web server owns, "PORT:w" for an app runtime's, "PORT:n" for a
# NOT_HTTP daemon's
_OWNER_AWK='BEGIN { nn = split(noweb, N, " "); ns = split(servers, S, " "); nw = split(web, W, " ") }
{ k = split($4, a, ":"); port = a[k]
  if (port !~ /^[0-9]+$/) next
  names = ""
  if (index($0, "users:((")) { c = split($0, q, "\""); for (i = 2; i <= c; i += 2) names = names " " q[i] }
  else if ($7 ~ /^[0-9]+\//) { nm = $7; sub(/^[0-9]+\//, "", nm); sub(/:$/, "", nm); names = " " nm }
  cls = ""
  c = split(names, nm2, " ")
  for (i = 1; i <= c; i++) {
      x = nm2[i]
      if (x ~ /^php-fpm/) { cls = "n"; break }
      for (j = 1; j <= nn; j++) if (x == N[j]) { cls = "n"; break }
      if (cls == "n") break
      for (j = 1; j <= ns; j++) if (index(x, S[j]) == 1) cls = "s"
      if (cls == "s") continue
      for (j = 1; j <= nw; j++) if (index(x, W[j]) == 1 && cls == "") cls = "w"
  }
  if (cls != "") printf "%s:%s ", port, cls }'

_NL='
'
# The path a redirect answer points to when it stays on this server (a relative
# Location, or an absolute one naming this host, scheme and port); else nothing.
_same_server_path() {
    case ${1%%"$_NL"*} in HTTP/*" 301"*|HTTP/*" 302"*|HTTP/*" 303"*|HTTP/*" 307"*|HTTP/*" 308"*) ;; *) return 0 ;; esac
    _loc=$(printf '%s\n' "$1" | awk '/^\r?$/ { exit } tolower($0) ~ /^location:/ { sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit }')
    case $_loc in
        //*) return 0 ;;
        /*) _p=$_loc ;;
        "$3"://*)
            _rest=${_loc#*://}; _hp=${_rest%%/*}
            case $_rest in */*) _p=/${_rest#*/} ;; *) _p=/ ;; esac
            case $_hp in
                \[*\]:*) _h=${_hp%:*}; _pp=${_hp##*:} ;; \[*\]) _h=$_hp; _pp= ;;
                *:*) _h=${_hp%:*}; _pp=${_hp##*:} ;; *) _h=$_hp; _pp= ;;
            esac
            if [ -z "$_pp" ]; then
                case $3 in http) _pp=80 ;; *) _pp=443 ;; esac
            fi
            [ "$_pp" = "$2" ] || return 0
            _hn=$(rd /proc/sys/kernel/hostname 2>/dev/null)
            _ok=0
            case $_h in 127.*|localhost|localhost.*|"[::1]") _ok=1 ;; esac
            if [ "$_ok" = 0 ] && [ -n "$_hn" ]; then
                case $_h in "$_hn"|"$_hn".*) _ok=1 ;; esac
            fi
            if [ "$_ok" = 0 ] && have hostname; then
                for _a in $(hostname -I 2>/dev/null); do [ "$_a" = "$_h" ] && _ok=1; done
            fi
            [ "$_ok" = 1 ] || return 0 ;;
        *) return 0 ;;
    esac
    case $_p in *[[:space:]]*|*[[:cntrl:]]*) return 0 ;; esac
    [ "${#_p}" -le 512 ] && printf '%s' "$_p"
    return 0
}

sec_http() {
    [ "$HTTP_CHECKS" = 1 ] || return 0
    if have curl; then _tool=curl
    elif have wget; then _tool=wget
    else blk "http-unavailable"; echo "neither curl nor wget on the host"; return 0
    fi
    # Who owns each port: web servers and app runtimes go first (so a host with
    # many listeners still has its app's port checked within HTTP_MAX_PORTS);
    # daemons that do not speak HTTP are left alone whatever their port (a GET
    # would only leave an error line in a database's or mail server's log).
    _owners=""
    if have ss; then
        _owners=$(T 10 ss -tlnp 2>/dev/null | awk -v noweb="$NOT_HTTP" -v servers="$WEB_SERVERS" -v web="$WEB_RUNTIMES" "$_OWNER_AWK")
    elif have netstat; then
        _owners=$(T 10 netstat -tlnp 2>/dev/null | awk -v noweb="$NOT_HTTP" -v servers="$WEB_SERVERS" -v web="$WEB_RUNTIMES" "$_OWNER_AWK")
    fi
    _srv=" "; _web=" "; _noweb=" "
    for _pc in $_owners; do  # PORT:s, PORT:w or PORT:n, no glob characters
        case $_pc in
            *:s) _srv="$_srv${_pc%:*} " ;; *:w) _web="$_web${_pc%:*} " ;; *:n) _noweb="$_noweb${_pc%:*} " ;;
        esac
    done
    _seen=" "; _cand=""; _skip=""
    for f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$f" ] || continue
        while read -r _sl _loc _rem _stt _rest; do
            [ "$_stt" = 0A ] || continue
            _port=$((0x${_loc##*:}))
            _hip=${_loc%:*}
            case $_seen in *" $_port "*) continue ;; esac
            _seen="$_seen$_port "
            if [ -n "$HTTP_ONLY_PORTS" ]; then
                case " $HTTP_ONLY_PORTS " in *" $_port "*) ;; *) continue ;; esac
            fi
            case $_noweb in *" $_port "*) _skip="$_skip$_port not-http-daemon
"; continue ;; esac
            case $_srv$_web in
                *" $_port "*) _tier=2; case $_srv in *" $_port "*) _tier=1 ;; esac ;;
                *) case $HTTP_SKIP in *" $_port "*) _skip="$_skip$_port not-http-port
"; continue ;; esac
                   _tier=4 ;;
            esac
            _ord=99
            case " $WEB_PORTS " in
                *" $_port "*) _i=0
                    for _w in $WEB_PORTS; do
                        [ "$_w" = "$_port" ] && { _ord=$_i; break; }
                        _i=$((_i + 1))
                    done ;;
            esac
            [ "$_tier" = 4 ] && [ "$_ord" != 99 ] && _tier=3
            if [ "$f" = /proc/net/tcp ]; then
                case $_hip in
                    00000000|0100007F) _host=127.0.0.1 ;;
                    *) _v=$((0x$_hip)); _host="$((_v & 255)).$(((_v >> 8) & 255)).$(((_v >> 16) & 255)).$(((_v >> 24) & 255))" ;;
                esac
            else
                case $_hip in
                    00000000000000000000000000000000|0000000000000000FFFF000000000000) _host=127.0.0.1 ;;
                    *) _host=v6 ;;  # '[::1]' below; no glob characters in the list
                esac
            fi
            _cand="$_cand$_tier:$_ord:$_port:$_host
"
        done < "$f"
    done
    if have sort; then _sorted=$(printf '%s' "$_cand" | sort -t: -n -k1,1 -k2,2 -k3,3)
    else _sorted=$_cand
    fi
    _n=0
    for _c in $_sorted; do  # TIER:ORDER:PORT:HOST, best first
        _r=${_c#*:}; _r=${_r#*:}
        _port=${_r%%:*}; _host=${_r#*:}
        [ "$_host" = v6 ] && _host='[::1]'
        _n=$((_n + 1))
        if [ "$_n" -gt "$HTTP_MAX_PORTS" ]; then
            _skip="$_skip$_port budget
"
            continue
        fi
        _sch=http
        case $_port in 443|8443|9443|4443) _sch=https ;; esac
        if [ "$_tool" = curl ]; then
            _page=$(curl -s -k -i -m 3 --connect-timeout 2 "$_sch://$_host:$_port/" 2>/dev/null </dev/null | cap "$HTTP_MAX_BYTES")
            # "/" redirecting to a page of the same server (MediaWiki's /index.php?title=Main_Page):
            # the content lives there, so one hop is followed; never off the host
            _to=$(_same_server_path "$_page" "$_port" "$_sch")
            if [ -n "$_to" ]; then
                _next=$(curl -s -k -i -m 3 --connect-timeout 2 "$_sch://$_host:$_port$_to" 2>/dev/null </dev/null | cap "$HTTP_MAX_BYTES")
                case ${_next%%"$_NL"*} in HTTP/*" 2"[0-9][0-9]*) _page=$_next ;; *) _to= ;; esac
            fi
            blk "http $_port $_sch $_host${_to:+ $_to}"
            printf '%s\n' "$_page"
        else
            blk "http $_port $_sch $_host"
            # -S headers go to stderr; -q would hide them; busybox wget may lack -T
            _nc=; [ "$_sch" = https ] && _nc=--no-check-certificate
            T 5 wget -S $_nc -O - "$_sch://$_host:$_port/" 2>&1 </dev/null | cap "$HTTP_MAX_BYTES"
        fi
    done
    # what was not asked, and why: the reader learns a web port went unchecked
    if [ -n "$_skip" ]; then
        blk "http-skipped"
        printf 'max_ports=%s\n%s' "$HTTP_MAX_PORTS" "$_skip"
    fi
    return 0
}

# One section, its stderr kept apart; "T <section> <hundredths>" after it.
run_section() {
    mark "S $1 $SECTION_CAP"
    _now; _s0=$_cs
    _err=$( { "sec_$1" | cap "$SECTION_CAP"; } 2>&1 >&3 )
    if [ -n "$_err" ]; then
        mark "E $1"
        printf '%s\n' "$_err" | cap 4096
    fi
    _now; mark "T $1 $((_cs - _s0))"
}

# Every section but utilization (and http when it runs beside them), in order.
_sections() {
    for _s in $SECTIONS; do
        case $_s in utilization|"$_BESIDE") continue ;; esac
        run_section "$_s"
        [ -n "$_BESIDE" ] || _util_step 2>/dev/null
    done
}

exec 3>&1
printf '===MTA-PROBE v1 nonce=%s\n' "$N"
_now; _p0=$_cs
case " $SECTIONS " in *" utilization "*) _util_start 2>/dev/null ;; esac
# The HTTP checks mostly wait for the apps to answer: they run beside the other
# sections (the left side of a pipe, its blocks held in a variable and printed
# once the others are out). Both sides are children this shell waits for, so
# the utilization sample's last reading, taken after them, counts their CPU as
# the probe's own; the readings between sections are left out then.
_BESIDE=
case " $SECTIONS " in *" http "*) [ "$HTTP_CHECKS" = 1 ] && [ "$BESIDE" = 1 ] && _BESIDE=http ;; esac
if [ -n "$_BESIDE" ]; then
    { _h=$(exec 3>&1; run_section http); printf '%s\n' "$_h"; } </dev/null | { _sections </dev/null; cat; }
else
    _sections
fi
case " $SECTIONS " in *" utilization "*) run_section utilization ;; esac
_now; mark "T total $((_cs - _p0))"
mark "END"
