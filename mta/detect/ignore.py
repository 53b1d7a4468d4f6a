"""Processes that are the operating system, not an application to move."""

from __future__ import annotations

from ..model import Process
from .common import basename, is_kernel_thread, prog, runs

#: Programs (argv[0] / comm / script basename) that never become an app.
IGNORED = frozenset({
    # init, login, shells' supervisors
    "init", "systemd", "systemd-journald", "systemd-logind", "systemd-udevd", "systemd-networkd", "systemd-resolved",
    "systemd-timesyncd", "systemd-machined", "systemd-hostnamed", "systemd-userdbd", "systemd-oomd", "(sd-pam)",
    "upstart", "upstart-udev-bridge", "upstart-socket-bridge", "upstart-file-bridge", "kthreadd", "udevd",
    "agetty", "mingetty", "getty", "login", "sshd", "dropbear", "sudo", "su", "runuser", "tmux", "screen",
    # logging, time, scheduling
    "rsyslogd", "syslogd", "syslog-ng", "klogd", "journalctl", "cron", "crond", "anacron", "atd", "chronyd",
    "ntpd", "ntpdate", "timesyncd", "sadc", "atop", "logrotate",
    # mail
    "master", "qmgr", "pickup", "tlsmgr", "postfix", "sendmail", "exim", "exim4", "nullmailer", "ssmtp",
    # system buses, networking, hardware
    "dbus-daemon", "dbus-broker", "dbus-broker-launch", "polkitd", "NetworkManager", "dhclient", "dhcpcd",
    "wpa_supplicant", "ModemManager", "firewalld", "iptables", "irqbalance", "tuned", "thermald", "acpid",
    "smartd", "mdadm", "multipathd", "iscsid", "lvmetad", "lvmpolld", "dmeventd", "auditd", "audispd",
    "rngd", "haveged", "mcelog", "gpm", "lldpad", "avahi-daemon", "cupsd", "bluetoothd", "accounts-daemon",
    "udisksd", "upowerd", "packagekitd", "fwupd", "snapd", "networkd-dispatcher", "unattended-upgrade",
    "unattended-upgrade-shutdown", "abrtd", "abrt-dbus", "abrt-watch-log", "rtkit-daemon", "alsactl",
    "kerneloops", "whoopsie", "apport", "ksmtuned", "rpcbind", "portmap", "rpc.statd", "rpc.idmapd",
    "rpc.mountd", "rpc.gssd", "gssproxy", "nfsd", "lockd", "nscd", "sssd", "sssd_be", "sssd_nss", "sssd_pam",
    "nslcd", "winbindd", "oddjobd", "certmonger", "dnsmasq", "xinetd", "inetd", "lxcfs", "iprupdate", "iprinit",
    "iprdump", "blkmapd", "dmesg",
    # virtualisation and cloud guest agents
    "vmtoolsd", "VGAuthService", "vmware-vmblock-fuse", "qemu-ga", "hv_kvp_daemon", "hv_vss_daemon",
    "waagent", "WALinuxAgent", "google_guest_agent", "google_osconfig_agent", "amazon-ssm-agent",
    "ssm-agent-worker", "cloud-init", "xe-daemon", "spice-vdagentd",
    # monitoring, config management, security agents
    "zabbix_agentd", "zabbix_agent2", "nrpe", "snmpd", "collectd", "telegraf", "node_exporter", "filebeat",
    "metricbeat", "auditbeat", "td-agent", "fluentd", "fluent-bit", "splunkd", "datadog-agent", "trace-agent",
    "process-agent", "nessusd", "nessus-agent", "qualys-cloud-agent", "falcon-sensor", "ossec-agentd",
    "wazuh-agentd", "puppet", "chef-client", "salt-minion", "osqueryd", "clamd", "freshclam", "newrelic-infra",
    "dynatrace", "oneagentwatchdog", "nimbus", "BESClient", "mfetpd", "ds_agent", "cbagentd", "sensu-client",
    # container engines (their containers are already containers)
    "wickedd", "wickedd-dhcp4", "wickedd-dhcp6", "wickedd-auto4", "wickedd-nanny", "rhsmcertd", "insights-client",
    "dockerd", "docker-containerd", "containerd", "containerd-shim", "containerd-shim-runc-v2", "runc",
    "podman", "conmon", "crio",
    # process supervisors: the programs they run are detected on their own
    "supervisord", "runsvdir", "runsv", "s6-svscan", "s6-supervise", "monit", "god",
    # runtime helpers an app starts for itself (Erlang's port mapper: RabbitMQ, CouchDB, ejabberd)
    "epmd",
})


def ignored(p: Process) -> bool:
    """True for kernel threads and for the operating system's own daemons."""
    if is_kernel_thread(p) or p.pid in (1, 2):
        return True
    names = {prog(p), p.name, basename(p.exe)}
    return bool(names & IGNORED) or runs(p, *IGNORED)
