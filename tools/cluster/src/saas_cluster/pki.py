"""The cluster's certificates, made fresh for each cluster and never reused.

Two CAs, as kubeadm makes them: the cluster CA signs every component's serving and
client certificate (a client's CN is its user, O its groups: that is how RBAC knows the
controller-manager from the kubelet), and the front-proxy CA signs only the certificate
the apiserver presents to aggregated APIs (metrics-server), so nothing else can pose as
the aggregator. The service-account key pair signs the pods' tokens.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from saas_cluster.layout import NET

VALIDITY = dt.timedelta(days=30)


@dataclass(frozen=True)
class Issued:
    cert: Path
    key: Path


def _write_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _name(cn: str, orgs: tuple[str, ...] = ()) -> x509.Name:
    return x509.Name([*[x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs],
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class Authority:
    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        subject = _name(name)
        self.cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.path = directory / f"{name}.crt"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        _write_key(self.key, directory / f"{name}.key")
        self.key_path = directory / f"{name}.key"

    def issue(self, file: str, cn: str, *, orgs: tuple[str, ...] = (), server: bool = False,
              client: bool = False, dns: tuple[str, ...] = (), ips: tuple[str, ...] = ()) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + \
                 ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
        builder = (
            x509.CertificateBuilder().subject_name(_name(cn, orgs)).issuer_name(self.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        )
        if dns or ips:
            names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
            names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        issued = Issued(self.directory / f"{file}.crt", self.directory / f"{file}.key")
        issued.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, issued.key)
        return issued


@dataclass(frozen=True)
class Pki:
    directory: Path
    ca: Path
    ca_key: Path
    front_proxy_ca: Path
    apiserver: Issued
    apiserver_kubelet_client: Issued
    front_proxy_client: Issued
    kubelet_serving: Issued
    sa_key: Path
    sa_pub: Path
    clients: dict[str, Issued]


# The components that talk to the apiserver, as the users and groups RBAC knows.
CLIENTS = {
    "admin": ("kubernetes-admin", ("system:masters",)),
    "controller-manager": ("system:kube-controller-manager", ()),
    "scheduler": ("system:kube-scheduler", ()),
    "kubelet": (f"system:node:{NET.node_name}", ("system:nodes",)),
    "kube-proxy": ("system:kube-proxy", ()),
}


def make(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca = Authority(directory, "ca")
    front = Authority(directory, "front-proxy-ca")
    service_names = ("kubernetes", "kubernetes.default", "kubernetes.default.svc",
                     "kubernetes.default.svc.cluster.local", "localhost")
    apiserver = ca.issue("apiserver", "kube-apiserver", server=True, dns=service_names,
                         ips=(NET.kubernetes_service_ip, NET.node_ip, "127.0.0.1"))
    kubelet_client = ca.issue("apiserver-kubelet-client", "kube-apiserver-kubelet-client",
                              orgs=("system:masters",), client=True)
    kubelet_serving = ca.issue("kubelet-serving", NET.node_name, server=True,
                               dns=(NET.node_name,), ips=(NET.node_ip,))
    front_client = front.issue("front-proxy-client", "front-proxy-client", client=True)
    clients = {name: ca.issue(name, cn, orgs=orgs, client=True) for name, (cn, orgs) in CLIENTS.items()}
    sa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_key(sa, directory / "sa.key")
    (directory / "sa.pub").write_bytes(sa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return Pki(directory, ca.path, ca.key_path, front.path, apiserver, kubelet_client,
               front_client, kubelet_serving, directory / "sa.key", directory / "sa.pub", clients)


def kubeconfig(pki: Pki, user: str, server: str) -> str:
    issued = pki.clients[user]
    return (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: saas\n  cluster:\n    server: {server}\n"
        f"    certificate-authority: {pki.ca}\n"
        f"users:\n- name: {user}\n  user:\n    client-certificate: {issued.cert}\n"
        f"    client-key: {issued.key}\n"
        f"contexts:\n- name: saas\n  context:\n    cluster: saas\n    user: {user}\n"
        "current-context: saas\n"
    )
