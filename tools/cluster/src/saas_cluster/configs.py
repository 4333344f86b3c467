"""The configuration of each node component, as files and command lines.

Everything below is what the components need and nothing they would pick from the host:
every path points into the cluster's state directory, every address is the node's own
(inside its network namespace) or the namespace's loopback.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from saas_cluster.layout import BIN, NET
from saas_cluster.pki import Pki

APISERVER = f"https://{NET.node_ip}:6443"
CNI_BIN = Path("/usr/lib/cni")


def containerd_toml(state: Path) -> str:
    c = state / "containerd"
    return f"""\
version = 2
root = "{c / 'root'}"
state = "{c / 'state'}"

[grpc]
  address = "{c / 'containerd.sock'}"

[ttrpc]
  address = "{c / 'containerd.sock.ttrpc'}"

[plugins."io.containerd.internal.v1.opt"]
  path = "{c / 'opt'}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:3.10"
  disable_apparmor = true
  # Root here may not lower a process's oom_score_adj (runc failed "failed to update
  # /proc/self/oom_score_adj: Permission denied" for system-cluster-critical pods):
  # clamp the pods' values to containerd's own instead.
  restrict_oom_score_adj = true
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/sbin/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{CNI_BIN}"
    conf_dir = "{state / 'cni' / 'net.d'}"
"""


def cni_conflist(state: Path) -> str:
    return json.dumps({
        "cniVersion": "0.4.0",
        "name": "saas-pods",
        "plugins": [
            {"type": "bridge", "bridge": "cni0", "isGateway": True, "ipMasq": True,
             "hairpinMode": True,
             "ipam": {"type": "host-local", "dataDir": str(state / "cni" / "ipam"),
                      "ranges": [[{"subnet": NET.pod_cidr}]], "routes": [{"dst": "0.0.0.0/0"}]}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }, indent=2)


def kubelet_config(state: Path, pki: Pki) -> str:
    return yaml.safe_dump({
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True},
                           "x509": {"clientCAFile": str(pki.ca)}},
        "authorization": {"mode": "Webhook"},
        # No systemd here, and cgroup v1: the cgroupfs driver, and say that v1 is wanted.
        "cgroupDriver": "cgroupfs",
        "failCgroupV1": False,
        "clusterDNS": [NET.dns_ip],
        "clusterDomain": "cluster.local",
        "containerRuntimeEndpoint": f"unix://{state / 'containerd' / 'containerd.sock'}",
        "failSwapOn": False,
        "tlsCertFile": str(pki.kubelet_serving.cert),
        "tlsPrivateKeyFile": str(pki.kubelet_serving.key),
        "resolvConf": str(state / "resolv.conf"),
        "podLogsDir": str(state / "pod-logs"),
        # Images cannot be pulled again here: never collect them.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {"memory.available": "200Mi", "nodefs.available": "2%",
                         "imagefs.available": "2%", "nodefs.inodesFree": "1%"},
        "serializeImagePulls": False,
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        "protectKernelDefaults": False,
        "maxPods": 110,
        # Short enough that the e2e's "a pod killed" and "the kubelet restarted" recover
        # within a minute, the defaults otherwise.
        "nodeStatusUpdateFrequency": "10s",
    }, sort_keys=False)


def kube_proxy_config(kubeconfig: Path) -> str:
    return yaml.safe_dump({
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(kubeconfig)},
        "mode": "iptables",  # no nft on these machines
        "clusterCIDR": NET.pod_cidr,
        "hostnameOverride": NET.node_name,
        "bindAddress": NET.node_ip,
        "metricsBindAddress": f"{NET.node_ip}:10249",
        "healthzBindAddress": f"{NET.node_ip}:10256",
        # Zero: leave the machine-wide conntrack table size and timeouts alone.
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s",
                      "tcpCloseWaitTimeout": "0s"},
    }, sort_keys=False)


def programs(state: Path, pki: Pki, kubeconfigs: dict[str, Path]) -> dict[str, list[str]]:
    """name -> argv, in start order."""
    return {
        "etcd": ["etcd", "--name", "saas", "--data-dir", str(state / "etcd"),
                 "--listen-client-urls", "http://127.0.0.1:2379",
                 "--advertise-client-urls", "http://127.0.0.1:2379",
                 "--listen-peer-urls", "http://127.0.0.1:2380",
                 "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                 "--initial-cluster", "saas=http://127.0.0.1:2380",
                 "--quota-backend-bytes", str(2 * 1024**3), "--log-level", "warn"],
        "containerd": ["containerd", "--config", str(state / "containerd.toml")],
        "kube-apiserver": [
            str(BIN / "kube-apiserver"),
            "--etcd-servers", "http://127.0.0.1:2379",
            "--advertise-address", NET.node_ip, "--bind-address", NET.node_ip, "--secure-port", "6443",
            "--service-cluster-ip-range", NET.service_cidr,
            "--tls-cert-file", str(pki.apiserver.cert), "--tls-private-key-file", str(pki.apiserver.key),
            "--client-ca-file", str(pki.ca),
            "--kubelet-client-certificate", str(pki.apiserver_kubelet_client.cert),
            "--kubelet-client-key", str(pki.apiserver_kubelet_client.key),
            "--kubelet-certificate-authority", str(pki.ca),
            "--kubelet-preferred-address-types", "InternalIP",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", str(pki.sa_pub),
            "--service-account-signing-key-file", str(pki.sa_key),
            "--authorization-mode", "Node,RBAC",
            "--enable-admission-plugins", "NodeRestriction,ServiceAccount,LimitRanger,ResourceQuota",
            "--allow-privileged=true",
            # The aggregation layer, for metrics-server (kubectl top, the HPA).
            "--requestheader-client-ca-file", str(pki.front_proxy_ca),
            "--requestheader-allowed-names", "front-proxy-client",
            "--requestheader-extra-headers-prefix", "X-Remote-Extra-",
            "--requestheader-group-headers", "X-Remote-Group",
            "--requestheader-username-headers", "X-Remote-User",
            "--proxy-client-cert-file", str(pki.front_proxy_client.cert),
            "--proxy-client-key-file", str(pki.front_proxy_client.key),
            "--enable-aggregator-routing=true",
            "--v", "1",
        ],
        "kube-controller-manager": [
            str(BIN / "kube-controller-manager"),
            "--kubeconfig", str(kubeconfigs["controller-manager"]),
            "--authentication-kubeconfig", str(kubeconfigs["controller-manager"]),
            "--authorization-kubeconfig", str(kubeconfigs["controller-manager"]),
            "--bind-address", "127.0.0.1",
            "--service-account-private-key-file", str(pki.sa_key),
            "--root-ca-file", str(pki.ca),
            "--cluster-signing-cert-file", str(pki.ca), "--cluster-signing-key-file", str(pki.ca_key),
            "--use-service-account-credentials=true",
            "--service-cluster-ip-range", NET.service_cidr,
            "--leader-elect=false",
            # The HPA scales in after 60 s without load instead of 5 minutes, so the e2e
            # sees a scale-in; a chart's HPA behavior can still ask for longer.
            "--horizontal-pod-autoscaler-downscale-stabilization", "60s",
            "--v", "1",
        ],
        "kube-scheduler": [
            str(BIN / "kube-scheduler"), "--kubeconfig", str(kubeconfigs["scheduler"]),
            "--authentication-kubeconfig", str(kubeconfigs["scheduler"]),
            "--authorization-kubeconfig", str(kubeconfigs["scheduler"]),
            "--bind-address", "127.0.0.1", "--leader-elect=false", "--v", "1",
        ],
        "kubelet": [
            str(BIN / "kubelet"), "--config", str(state / "kubelet.yaml"),
            "--kubeconfig", str(kubeconfigs["kubelet"]),
            "--node-ip", NET.node_ip, "--hostname-override", NET.node_name,
            "--root-dir", str(state / "kubelet"), "--v", "1",
        ],
        "kube-proxy": [str(BIN / "kube-proxy"), "--config", str(state / "kube-proxy.yaml"), "--v", "1"],
    }
