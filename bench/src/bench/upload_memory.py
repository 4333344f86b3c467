"""Peak memory of the files service under concurrent large uploads.

``python -m bench.upload_memory [--uploads 20] [--size-mib 10]`` starts its own embedded
PostgreSQL and Redis, the auth service (for a token) and the files service (one uvicorn
process, local storage) on free loopback ports; measures the files service's idle
resident memory, then sends the uploads all at once while sampling the resident memory
of its whole process tree, and prints both. Streaming uploads should add little more
than a few buffers per upload, however large the files.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

from bench.processes import Server
from devstack.net import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.security.keys import ensure_key_dir

MIB = 1024 * 1024
LINE = b"The quick brown fox jumps over the lazy dog, 0123456789.\n"


def tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


class PeakSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.samples = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.samples += 1
            time.sleep(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join(5)
        return self.peak


def body_chunks(size: int):
    """The upload body produced on the fly, so the client holds no 10 MiB buffers."""
    block = LINE * (64 * 1024 // len(LINE))
    sent = 0
    while sent < size:
        chunk = block[: size - sent]
        sent += len(chunk)
        yield chunk


def multipart(size: int, boundary: str):
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
           f"filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    yield from body_chunks(size)
    yield f"\r\n--{boundary}--\r\n".encode()


def start_stack(work: Path) -> tuple[list, Server, Server]:
    pg = EmbeddedPostgres(work / "pg", free_port(), durable=False)
    pg.start(work / "postgres.log")
    database_url = pg.create_database("app")
    upgrade(database_url)
    redis_server = EmbeddedRedis(work / "redis", free_port(), durable=False)
    redis_server.start(work / "redis.log")
    auth_port, files_port = free_port(), free_port()
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "APP_DATABASE_URL": database_url,
        "APP_REDIS_URL": redis_server.url(),
        "APP_JWT_KEYS_DIR": str(ensure_key_dir(work / "keys")),
        "APP_JWT_ISSUER": f"http://127.0.0.1:{auth_port}",
        "APP_JWKS_URL": f"http://127.0.0.1:{auth_port}/.well-known/jwks.json",
        "APP_STORAGE_LOCAL_DIR": str(work / "storage"),
        "APP_LOG_LEVEL": "WARNING",
    }
    bin_dir = Path(sys.executable).parent
    servers = []
    for name, port in (("auth", auth_port), ("files", files_port)):
        server = Server(name, [str(bin_dir / "uvicorn"), f"{name}_service.main:create_app",
                               "--factory", "--host", "127.0.0.1", "--port", str(port),
                               "--no-access-log"], env, port, work / f"{name}.log")
        server.start()
        servers.append(server)
    return [pg, redis_server], servers[0], servers[1]


def token(auth: Server) -> str:
    user = {"email": "mem@example.com", "username": "mem_user", "password": "correct horse 9"}
    httpx.post(f"{auth.url}/auth/register", json=user, timeout=30).raise_for_status()
    response = httpx.post(f"{auth.url}/auth/token", timeout=30,
                          data={"username": user["username"], "password": user["password"]})
    response.raise_for_status()
    return response.json()["access_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--size-mib", type=int, default=10)
    args = parser.parse_args()
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory(prefix="upload-memory-") as tmp:
        work = Path(tmp)
        backing, auth, files = start_stack(work)
        try:
            headers = {"Authorization": f"Bearer {token(auth)}"}
            # One small upload first, so the idle figure includes the code paths' imports.
            boundary = "bench-boundary"
            ctype = f"multipart/form-data; boundary={boundary}"
            httpx.post(f"{files.url}/files", content=multipart(1024, boundary),
                       headers={**headers, "content-type": ctype}, timeout=60).raise_for_status()
            time.sleep(1.0)
            if files.process is None:
                raise RuntimeError("the files service did not start")
            idle = tree_rss(files.process.pid)
            sampler = PeakSampler(files.process.pid)
            sampler.start()

            def one(_: int) -> int:
                return httpx.post(f"{files.url}/files", content=multipart(size, boundary),
                                  headers={**headers, "content-type": ctype}, timeout=300).status_code

            started = time.perf_counter()
            with ThreadPoolExecutor(args.uploads) as pool:
                statuses = list(pool.map(one, range(args.uploads)))
            elapsed = time.perf_counter() - started
            peak = sampler.stop()
        finally:
            for server in (files, auth):
                server.stop()
            for backing_server in reversed(backing):
                backing_server.stop()
    ok = statuses.count(201)
    print(f"files service, 1 uvicorn process, local storage; {args.uploads} concurrent "
          f"uploads of {args.size_mib} MiB")
    print(f"  uploads: {ok}/{args.uploads} answered 201 in {elapsed:.2f} s "
          f"({ok * size / MIB / elapsed:.0f} MiB/s)")
    print(f"  idle RSS: {idle / MIB:.1f} MiB")
    print(f"  peak RSS: {peak / MIB:.1f} MiB ({sampler.samples} samples)")
    print(f"  growth:   {(peak - idle) / MIB:.1f} MiB in total, "
          f"{(peak - idle) / MIB / args.uploads:.2f} MiB per concurrent upload "
          f"(vs {args.size_mib} MiB per upload if bodies were buffered)")
    if ok != args.uploads:
        sys.exit(f"some uploads failed: {statuses}")


if __name__ == "__main__":
    main()
