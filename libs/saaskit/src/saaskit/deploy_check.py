"""A deployed backend answers: every service is ready, and each implementation
registers, logs in and knows the user (``python -m saaskit.deploy_check``).

Run by the chart's ``helm test`` pod and, unchanged, against pods played without a
cluster, so it uses the standard library only (the images have no curl, and the check
must not depend on anything a service image might leave out). Each stack's token is
also shown to the other stacks' ``/auth/me``: the contract says a token issued by either
implementation is accepted by both, and a deployment with mismatched issuer, audience
or keys fails exactly there. Every wait is bounded by ``--timeout``.

    python -m saaskit.deploy_check \\
        --ready http://saas-auth:8001 --ready http://saas-admin:8000 \\
        --stack fastapi=http://saas-auth:8001 --stack django=http://saas-admin:8000
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class CheckFailed(Exception):
    """One step of the check did not answer as the contract says."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


def request(method: str, url: str, *, timeout: float, data: bytes | None = None,
            headers: dict[str, str] | None = None) -> Answer:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310 - http(s) URLs we were given
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return Answer(resp.status, resp.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read())


def wait_ready(base_url: str, deadline: float, *, interval: float = 1.0) -> None:
    """``GET /readyz`` until it answers 200 or the deadline passes."""
    last = "no answer"
    while True:
        try:
            answer = request("GET", base_url + "/readyz", timeout=5)
            if answer.status == 200:
                return
            last = f"{answer.status} {answer.body[:200].decode(errors='replace')}"
        except OSError as exc:
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            raise CheckFailed(f"{base_url}/readyz not ready: {last}")
        time.sleep(interval)


def expect(answer: Answer, status: int, step: str) -> dict[str, Any]:
    if answer.status != status:
        text = answer.body[:300].decode(errors="replace")
        raise CheckFailed(f"{step}: expected {status}, got {answer.status}: {text}")
    return answer.json()


def round_trip(name: str, base_url: str, *, timeout: float) -> str:
    """register -> login -> /auth/me on one implementation; returns the access token."""
    username = f"check_{name}_{secrets.token_hex(6)}"[:32]
    password = secrets.token_urlsafe(12) + "a1"
    body = json.dumps({"email": f"{username}@example.com", "username": username, "password": password}).encode()
    json_headers = {"Content-Type": "application/json"}
    me = expect(request("POST", base_url + "/auth/register", timeout=timeout, data=body, headers=json_headers),
                201, f"{name} register")
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    tokens = expect(request("POST", base_url + "/auth/token", timeout=timeout, data=form,
                            headers={"Content-Type": "application/x-www-form-urlencoded"}), 200, f"{name} login")
    token = str(tokens["access_token"])
    seen = expect(request("GET", base_url + "/auth/me", timeout=timeout,
                          headers={"Authorization": f"Bearer {token}"}), 200, f"{name} /auth/me")
    if seen.get("id") != me.get("id") or seen.get("username") != username:
        raise CheckFailed(f"{name} /auth/me answered another user: {seen}")
    return token


def run(ready: list[str], stacks: dict[str, str], *, timeout: float = 120.0,
        log: Callable[[str], object] = print) -> None:
    deadline = time.monotonic() + timeout
    for url in ready:
        wait_ready(url, deadline)
        log(f"ready   {url}")
    tokens: dict[str, str] = {}
    for name, url in stacks.items():
        tokens[name] = round_trip(name, url, timeout=min(30.0, timeout))
        log(f"ok      {name}: register -> login -> /auth/me at {url}")
    for issuer, token in tokens.items():
        for name, url in stacks.items():
            if name != issuer:
                expect(request("GET", url + "/auth/me", timeout=min(30.0, timeout),
                               headers={"Authorization": f"Bearer {token}"}), 200,
                       f"{issuer}'s token on {name} /auth/me")
                log(f"ok      {issuer}'s token accepted by {name}")


def _stack(value: str) -> tuple[str, str]:
    name, sep, url = value.partition("=")
    if not sep or not name or not url:
        raise argparse.ArgumentTypeError("expected NAME=URL")
    return name, url.rstrip("/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m saaskit.deploy_check",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--ready", action="append", default=[], metavar="URL",
                        help="a service base URL whose /readyz must answer 200 (repeatable)")
    parser.add_argument("--stack", action="append", default=[], type=_stack, metavar="NAME=URL",
                        help="an implementation's base URL for /auth (repeatable)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for the whole check")
    args = parser.parse_args(argv)
    if not args.ready and not args.stack:
        parser.error("nothing to check: give --ready and/or --stack")
    try:
        run([u.rstrip("/") for u in args.ready], dict(args.stack), timeout=args.timeout)
    except (CheckFailed, OSError, ValueError) as exc:
        print(f"FAILED  {exc}", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
