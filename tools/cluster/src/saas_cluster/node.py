"""The node: one network namespace, one supervisord, every component under it.

Invariant: every process of the cluster runs inside the namespace ``NET.netns`` and one
private mount namespace (``unshare --mount`` under ``nsenter --net``), all children of
one supervisord. The kubelet and containerd must share a mount namespace (the kubelet
mounts volumes that runc then binds into containers), and a private one means their
mounts never appear on the host and vanish with the last process. kube-proxy's iptables
rules and the pods' bridge live in the node's network namespace and go with it. So
``down`` is: kill every process of the cluster, remove its cgroups, delete the namespace,
restore the few machine-wide settings the kubelet changes, remove the state directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from saas_cluster import configs, pki
from saas_cluster.layout import BIN, KUBECONFIG, NET, STATE

SYSCTLS_SAVED = STATE.parent / "saas-cluster.sysctl.json"
HOST_RULES_SAVED = STATE.parent / "saas-cluster.iptables"
# The kubelet sets these machine-wide on start (protectKernelDefaults: false); ``down``
# puts back what they were.
KUBELET_SYSCTLS = ("vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops",
                   "kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes")
# Paths the runtime creates outside its configured directories; removed by ``down`` when
# the cluster created them.
RUNTIME_LEFTOVERS = (Path("/run/containerd"), Path("/var/lib/cni"), Path("/run/netns"),
                     Path("/var/run/netns"))
CGROUP_ROOT = Path("/sys/fs/cgroup")


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), check=check, capture_output=True, text=True)


def in_netns(*argv: str) -> list[str]:
    return ["ip", "netns", "exec", NET.netns, *argv]


def netns_exists() -> bool:
    return NET.netns in sh("ip", "netns", "list").stdout.split()


def _sysctl(name: str) -> str:
    return Path("/proc/sys", *name.split(".")).read_text().strip()


def _set_sysctl(name: str, value: str) -> None:
    Path("/proc/sys", *name.split(".")).write_text(value)


def make_network() -> None:
    sh("ip", "netns", "add", NET.netns)
    sh("ip", "link", "add", NET.host_if, "type", "veth", "peer", "name", NET.node_if, "netns", NET.netns)
    sh("ip", "addr", "add", f"{NET.host_ip}/{NET.prefix}", "dev", NET.host_if)
    sh("ip", "link", "set", NET.host_if, "up")
    sh("ip", "-n", NET.netns, "addr", "add", f"{NET.node_ip}/{NET.prefix}", "dev", NET.node_if)
    sh("ip", "-n", NET.netns, "link", "set", NET.node_if, "up")
    sh("ip", "-n", NET.netns, "link", "set", "lo", "up")
    sh("ip", "-n", NET.netns, "route", "add", "default", "via", NET.host_ip)
    # The host reaches pod IPs (Prometheus's Kubernetes discovery scrapes pods directly);
    # the route goes with the veth.
    sh("ip", "route", "add", NET.pod_cidr, "via", NET.node_ip, "dev", NET.host_if)
    # Forwarding inside the node's namespace only (a per-namespace setting): the host's
    # own ip_forward is left as it is.
    sh(*in_netns("sysctl", "-qw", "net.ipv4.ip_forward=1"))
    sh(*in_netns("sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1"))


def _write_state() -> pki.Pki:
    for sub in ("etcd", "containerd", "cni/net.d", "cni/ipam", "kubelet", "pod-logs", "logs", "pki"):
        (STATE / sub).mkdir(parents=True, exist_ok=True)
    keys = pki.make(STATE / "pki")
    server = configs.APISERVER
    kubeconfigs = {}
    for user in pki.CLIENTS:
        path = STATE / f"{user}.kubeconfig"
        path.write_text(pki.kubeconfig(keys, user, server))
        path.chmod(0o600)
        kubeconfigs[user] = path
    (STATE / "containerd.toml").write_text(configs.containerd_toml(STATE))
    (STATE / "cni" / "net.d" / "10-saas.conflist").write_text(configs.cni_conflist(STATE))
    (STATE / "kubelet.yaml").write_text(configs.kubelet_config(STATE, keys))
    (STATE / "kube-proxy.yaml").write_text(configs.kube_proxy_config(kubeconfigs["kube-proxy"]))
    # Pods with dnsPolicy Default get this; there is no upstream resolver to offer them.
    (STATE / "resolv.conf").write_text(f"nameserver {NET.dns_ip}\noptions ndots:1\n")
    programs = configs.programs(STATE, keys, kubeconfigs)
    (STATE / "supervisord.conf").write_text(_supervisord_conf(programs))
    return keys


def _supervisord_conf(programs: dict[str, list[str]]) -> str:
    import shlex

    logs = STATE / "logs"
    parts = [
        f"[supervisord]\nnodaemon=true\nuser=root\nlogfile={logs / 'supervisord.log'}\n"
        f"pidfile={STATE / 'supervisord.pid'}\nchildlogdir={logs}\n",
        f"[unix_http_server]\nfile={STATE / 'supervisor.sock'}\nchmod=0700\n",
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
        f"[supervisorctl]\nserverurl=unix://{STATE / 'supervisor.sock'}\n",
    ]
    path = f"{BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    for priority, (name, argv) in enumerate(programs.items(), start=1):
        command = shlex.join(argv).replace("%", "%%")
        parts.append(
            f"[program:{name}]\ncommand={command}\npriority={priority * 10}\nautorestart=true\n"
            f"startsecs=2\nstartretries=100\nredirect_stderr=true\n"
            f"stdout_logfile={logs / (name + '.log')}\nstdout_logfile_maxbytes=50MB\n"
            f"stopasgroup=true\nkillasgroup=true\nstopwaitsecs=20\n"
            f"environment=PATH=\"{path}\"\n")
    return "\n".join(parts)


def _supervisord() -> str:
    return shutil.which("supervisord") or str(Path(sys.executable).parent / "supervisord")


def start() -> None:
    if netns_exists():
        raise RuntimeError(f"network namespace {NET.netns} exists: a cluster is up (make cluster-down)")
    STATE.mkdir(parents=True, exist_ok=True)
    leftovers = {str(p): p.exists() for p in RUNTIME_LEFTOVERS}
    (STATE / "preexisting.json").write_text(json.dumps(leftovers))
    SYSCTLS_SAVED.write_text(json.dumps({name: _sysctl(name) for name in KUBELET_SYSCTLS}))
    HOST_RULES_SAVED.write_text(host_rules())
    make_network()
    keys = _write_state()
    KUBECONFIG.write_text(pki.kubeconfig(keys, "admin", configs.APISERVER))
    KUBECONFIG.chmod(0o600)
    log = (STATE / "logs" / "node.log").open("ab")
    # A new session: the node outlives the command that started it.
    subprocess.Popen(
        ["nsenter", f"--net=/run/netns/{NET.netns}", "--", "unshare", "--mount", "--propagation",
         "slave", "--", _supervisord(), "-c", str(STATE / "supervisord.conf")],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)


def host_rules() -> str:
    """The host's own iptables rules (counters dropped): the cluster's live in its
    namespace, and ``down`` checks that the host's are as they were."""
    out = sh("iptables-save", check=False).stdout
    return "\n".join(line for line in out.splitlines() if not line.startswith("#") and not line.startswith(":"))


def leftovers() -> list[str]:
    """What of the cluster is still on the machine (empty after ``down``)."""
    found = []
    if netns_exists():
        found.append(f"network namespace {NET.netns}")
    if sh("ip", "link", "show", NET.host_if, check=False).returncode == 0:
        found.append(f"interface {NET.host_if}")
    found += [str(d) for d in _cgroup_dirs()]
    mine = [p for p in Path("/proc").glob("[0-9]*")
            if (p / "cmdline").exists() and str(BIN) in _read(p / "cmdline")]
    found += [f"process {p.name}: {_read(p / 'cmdline')[:80]}" for p in mine]
    with open("/proc/self/mounts") as mounts:
        found += [f"mount {line.split()[1]}" for line in mounts if str(STATE) in line]
    return found


def _read(path: Path) -> str:
    try:
        return path.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _netns_pids() -> list[int]:
    if not netns_exists():
        return []
    return [int(p) for p in sh("ip", "netns", "pids", NET.netns, check=False).stdout.split()]


def _cgroup_dirs() -> list[Path]:
    """The kubelet's cgroups (``kubepods`` in every controller), deepest first."""
    found = []
    for controller in CGROUP_ROOT.iterdir():
        top = controller / "kubepods"
        if top.is_dir():
            found += [Path(d) for d, _, _ in os.walk(top)]
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def _kill_all(sig: int) -> int:
    """Signal the node's processes and every process in the kubelet's cgroups (the
    containers live in their own network namespaces, so only their cgroups find them)."""
    pids = set(_netns_pids())
    for d in _cgroup_dirs():
        procs = d / "cgroup.procs"
        if procs.exists():
            pids |= {int(p) for p in procs.read_text().split()}
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
    return len(pids)


def stop() -> list[str]:
    """Remove everything ``start`` made; returns what was removed, for the log."""
    removed = []
    pidfile = STATE / "supervisord.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _netns_pids():
            time.sleep(0.5)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _kill_all(signal.SIGKILL):
        time.sleep(0.5)
    if _kill_all(0):
        raise RuntimeError("processes of the cluster survived SIGKILL")
    removed.append("processes")
    for d in _cgroup_dirs():
        try:
            d.rmdir()
        except OSError:
            time.sleep(0.2)
            d.rmdir()
    removed.append("cgroups")
    if netns_exists():
        sh("ip", "netns", "delete", NET.netns)
        removed.append(f"netns {NET.netns} (its veth, bridge, iptables rules, routes)")
    if sh("ip", "link", "show", NET.host_if, check=False).returncode == 0:
        sh("ip", "link", "delete", NET.host_if)
    if SYSCTLS_SAVED.exists():
        for name, value in json.loads(SYSCTLS_SAVED.read_text()).items():
            _set_sysctl(name, value)
        SYSCTLS_SAVED.unlink()
        removed.append("kernel settings restored")
    pre = STATE / "preexisting.json"
    if pre.exists():
        for path, existed in json.loads(pre.read_text()).items():
            if not existed and Path(path).exists() and not Path(path).is_symlink():
                shutil.rmtree(path, ignore_errors=True)
    if STATE.exists():
        shutil.rmtree(STATE)
        removed.append(f"state {STATE}")
    if HOST_RULES_SAVED.exists():
        if host_rules() != HOST_RULES_SAVED.read_text():
            raise RuntimeError("the host's iptables rules differ from before the cluster started")
        HOST_RULES_SAVED.unlink()
        removed.append("(the host's iptables rules are as they were)")
    left = leftovers()
    if left:
        raise RuntimeError(f"left behind: {left}")
    removed.append("(nothing of the cluster is left: no process, mount, interface or cgroup)")
    return removed


def kubectl_env() -> dict[str, str]:
    return {**os.environ, "KUBECONFIG": str(KUBECONFIG), "PATH": f"{BIN}:{os.environ['PATH']}"}


def kubectl(*args: str, check: bool = True, input: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "kubectl"), *args], env=kubectl_env(), check=check,
                          capture_output=True, text=True, input=input, timeout=timeout)


def wait_for(what: str, check, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            if check():
                log(f"{what}: ready")
                return
        except Exception as exc:  # noqa: BLE001 - reported if it never gets ready
            last = str(exc)
        time.sleep(1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s {last}")
