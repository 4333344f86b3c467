"""The local cluster's pins and generated configuration, checked offline.

The cluster itself runs in `make cluster` / `make e2e` (docs/deploy.md); these tests keep
what it is built from honest: every component pinned in one file, certificates that
RBAC reads as the right users, and configs pointing only into the cluster's state."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from saas_cluster import configs, pki
from saas_cluster.layout import NET, versions


def test_every_component_is_pinned_in_versions_toml():
    pins = versions()
    assert pins["kubernetes"]["version"].startswith("v1.34.")
    assert pins["kubernetes"]["staging_version"] == "v0." + pins["kubernetes"]["version"][3:]
    for name, program in pins["go"].items():
        assert program["version"].startswith("v"), name
        assert program["package"].startswith(program["module"]), name
    assert all(version for version in pins["debian"].values())
    assert len(pins["helm"]["helm_sha256"]) == 64 and len(pins["helm"]["wheel_sha256"]) == 64


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> pki.Pki:
    return pki.make(tmp_path_factory.mktemp("pki"))


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_client_certificates_name_the_users_and_groups_rbac_expects(keys):
    ca = _cert(keys.ca)
    for user, (cn, orgs) in pki.CLIENTS.items():
        cert = _cert(keys.clients[user].cert)
        assert cert.issuer == ca.subject
        cert.verify_directly_issued_by(ca)
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cn
        assert [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] == list(orgs)
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_the_apiserver_certificate_covers_every_name_it_is_reached_by(keys):
    cert = _cert(keys.apiserver.cert)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert {NET.node_ip, NET.kubernetes_service_ip} <= ips
    assert "kubernetes.default.svc.cluster.local" in names.get_values_for_type(x509.DNSName)


def test_the_aggregator_client_is_signed_by_its_own_ca(keys):
    assert _cert(keys.front_proxy_client.cert).issuer == _cert(keys.front_proxy_ca).subject
    assert _cert(keys.front_proxy_client.cert).issuer != _cert(keys.ca).subject


def test_the_kubelet_runs_on_cgroup_v1_with_cgroupfs_and_state_outside_the_system(tmp_path, keys):
    kubelet = yaml.safe_load(configs.kubelet_config(tmp_path, keys))
    assert kubelet["cgroupDriver"] == "cgroupfs" and kubelet["failCgroupV1"] is False
    assert kubelet["containerRuntimeEndpoint"].startswith(f"unix://{tmp_path}")
    assert kubelet["podLogsDir"].startswith(str(tmp_path))
    proxy = yaml.safe_load(configs.kube_proxy_config(tmp_path / "kubeconfig"))
    assert proxy["mode"] == "iptables"
    # The machine-wide conntrack table is left alone.
    assert proxy["conntrack"]["maxPerCore"] == 0


def test_every_program_path_points_into_the_state_directory(tmp_path, keys):
    kubeconfigs = {user: tmp_path / f"{user}.kubeconfig" for user in pki.CLIENTS}
    for name, argv in configs.programs(tmp_path, keys, kubeconfigs).items():
        for arg in argv[1:]:
            if arg.startswith("/") and not arg.startswith(("/usr/", str(Path.home()))):
                assert arg.startswith((str(tmp_path), str(keys.directory))), (name, arg)
    containerd = configs.containerd_toml(tmp_path)
    for line in containerd.splitlines():
        if "= \"/" in line and "runc" not in line and "cni\"" not in line and "/usr/lib/cni" not in line:
            assert str(tmp_path) in line, line
