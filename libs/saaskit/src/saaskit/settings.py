"""Every setting of every service, read from the environment (prefix ``APP_``).

One class for the whole backend keeps the names identical across services and both
frameworks. ``DATABASE_URL`` and ``REDIS_URL`` are also accepted without the prefix,
because that is what platforms and operators usually set.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER = "change-me"

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore", frozen=True)

    environment: Environment = "development"
    service_name: str = "saas"
    log_level: str = "INFO"
    log_json: bool = True

    # Connections. One URL per server; each driver gets its own dialect variant of it.
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:15432/app",
        validation_alias=AliasChoices("APP_DATABASE_URL", "DATABASE_URL"),
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # Django under gevent: requests served at once per process (0: the pool size, so a
    # request never waits for a connection), and how long the others may queue for a turn.
    max_concurrent_requests: int = Field(default=0, ge=0)
    request_queue_timeout: float = Field(default=10.0, gt=0)
    # Django: an upload's body is read outside those slots, and must arrive within
    # upload_read_timeout seconds plus one more per upload_min_bytes_per_second bytes
    # received so far (a trickle is 408; 8 KiB/s is below any real uplink).
    upload_read_timeout: float = Field(default=10.0, gt=0)
    upload_min_bytes_per_second: int = Field(default=8192, ge=1)
    database_connect_timeout: float = Field(default=2.0, gt=0)
    database_statement_timeout_ms: int = Field(default=15_000, ge=0)
    redis_url: str = Field(
        default="redis://127.0.0.1:16379/0",
        validation_alias=AliasChoices("APP_REDIS_URL", "REDIS_URL"),
    )
    redis_timeout: float = Field(default=1.0, gt=0)
    queue_name: str = "arq:queue"

    # Tokens. The keys directory holds one PEM private key per file (Ed25519); the newest
    # file (by name) signs, every key in it is published in the JWKS so rotation is a
    # matter of adding a file, waiting one access-token lifetime, removing the old one.
    jwt_keys_dir: Path = Path(".data/keys")
    jwt_issuer: str = "http://localhost:8001"
    jwt_audience: str = "saas-api"
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwks_min_refresh_seconds: float = Field(default=30.0, ge=0)
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=60)

    # argon2id cost; changing these makes the next successful login rehash the password.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    # Hashes computed at once per process (0: the CPUs / WEB_CONCURRENCY) and how many more may wait for a
    # turn; past that a login is a 503 with Retry-After (``saaskit.security.hashing``).
    password_hash_workers: int = Field(default=0, ge=0)
    password_hash_queue: int = Field(default=32, ge=0)

    # A secret that must never keep its placeholder outside development: Django's
    # SECRET_KEY, and the key of the email-verification and password-reset tokens
    # (saaskit.security.account_tokens), so every service and the worker share it.
    secret_key: SecretStr = SecretStr(PLACEHOLDER)

    # Account lifecycle: how long a mailed link is valid, and the front end it points to
    # (``<frontend_url>/verify-email?token=...``, ``<frontend_url>/reset-password?token=...``).
    email_verification_ttl_seconds: int = Field(default=86_400, ge=1)
    password_reset_ttl_seconds: int = Field(default=3_600, ge=1)
    frontend_url: str = "http://localhost:3000"

    # Files and storage.
    storage_backend: Literal["local", "s3"] = "local"
    storage_local_dir: Path = Path(".data/storage")
    s3_endpoint: str = "127.0.0.1:9000"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_bucket: str = "saas-files"
    s3_access_key: SecretStr = SecretStr(PLACEHOLDER)
    s3_secret_key: SecretStr = SecretStr(PLACEHOLDER)
    s3_presign_seconds: int = Field(default=600, ge=1, le=900)
    # host[:port] that clients use for the presigned download URLs, when it is not the
    # endpoint the services use (an in-cluster S3 reached from outside through a
    # port-forward or a public name). Empty: s3_endpoint.
    s3_public_endpoint: str = ""
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # Every other request body (JSON, forms): over this it is 413 before it is parsed.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    allowed_content_types: tuple[str, ...] = (
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "application/zip",
        "application/json",
        "text/plain",
    )

    # Email.
    email_backend: Literal["outbox", "smtp"] = "outbox"
    email_from: str = "no-reply@example.com"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False

    # Worker.
    worker_metrics_port: int = Field(default=9102, ge=0, le=65535)
    # Loopback by default; 0.0.0.0 in a container so that Prometheus can scrape it.
    worker_metrics_host: str = "127.0.0.1"
    worker_concurrency: int = Field(default=10, ge=1)
    # A job running longer is cancelled.
    worker_job_timeout_seconds: int = Field(default=300, ge=1)
    # arq's lock on a running job (its in-progress key) lives this long and is renewed
    # every third of it while the job runs (worker.heartbeat): a job whose worker died
    # is run again by another worker within this many seconds, not the timeout + 10 s.
    worker_lock_seconds: int = Field(default=15, ge=3)
    worker_max_tries: int = Field(default=5, ge=1)
    # Transient failures retry after backoff * 2**(try-1) seconds.
    worker_retry_backoff_seconds: float = Field(default=2.0, ge=0)
    # On SIGTERM, running jobs get this long to finish before they are cancelled.
    worker_shutdown_grace_seconds: int = Field(default=20, ge=0)
    # Rows still `queued` after this long (Redis was down at enqueue) are queued again.
    worker_requeue_after_seconds: int = Field(default=60, ge=1)
    worker_sweep_interval_seconds: int = Field(default=30, ge=1)
    worker_cleanup_interval_seconds: int = Field(default=600, ge=1)
    # Uploads still `pending` after this long are deleted with their objects.
    pending_upload_ttl_seconds: int = Field(default=86_400, ge=1)
    thumbnail_size_px: int = Field(default=256, ge=16, le=2048)
    # Images with more pixels are rejected from their header, before any decoding: a
    # 190 KB PNG can declare 7000x7000 pixels, 150+ MB once decoded.
    max_image_pixels: int = Field(default=24_000_000, ge=1)
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    # Link previews (POST /posts/{id}/preview, saaskit.preview): the whole fetch of the
    # upstream page (lookup, connects, redirects, body) gets this many seconds, then 502.
    preview_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # Fetch from private, loopback, link-local... addresses too. Tests and the benchmark
    # only (their upstream listens on loopback): in production it opens the cluster,
    # the cloud's metadata service and the database to any user (SSRF).
    preview_allow_private: bool = False

    # Login throttling (saaskit.ratelimit), shared in Redis by every replica of both
    # stacks. Per client address: every request to POST /auth/token, /auth/register,
    # /auth/refresh and the admin's login counts. Per account: failed logins count, and
    # a spent account is refused (even with the right password) until its window ends.
    # A load test that logs in from one address raises APP_LOGIN_RATE_ADDRESS_LIMIT.
    login_rate_address_limit: int = Field(default=300, ge=1)
    login_rate_address_window_seconds: int = Field(default=60, ge=1)
    login_rate_account_limit: int = Field(default=10, ge=1)
    login_rate_account_window_seconds: int = Field(default=300, ge=1)
    # Django only (uvicorn has its own FORWARDED_ALLOW_IPS): the proxies, by address or
    # CIDR, whose X-Forwarded-For is believed for the client address. Empty: the socket.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()

    # Django's production settings (TLS ends at the ingress). Required outside
    # development: the host names it serves and the origins a form may be posted from.
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    csrf_trusted_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Strict-Transport-Security max-age; 0 = no header (development).
    hsts_seconds: int = Field(default=0, ge=0)
    # Believe ``X-Forwarded-Proto: https`` from the ingress (the request came over TLS).
    secure_proxy_ssl_header: bool = False
    # Django redirects plain HTTP to HTTPS itself. Off where the ingress redirects (the
    # chart's production values): clients inside the cluster (the helm test pod, the k6
    # Job, other services) call the Service over plain HTTP and must not be redirected.
    secure_ssl_redirect: bool = False
    # Where ``manage collectstatic`` puts the admin's and the docs' assets (the image
    # collects them at build); unset or empty: whitenoise serves them from the apps.
    static_root: Path | None = None

    # Observability.
    otel_exporter_otlp_endpoint: str = Field(
        default="",
        validation_alias=AliasChoices(
            "APP_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
    )

    @field_validator("static_root", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("trusted_proxies", "allowed_hosts", "csrf_trusted_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.environment != "development":
            left = [
                name
                for name in ("secret_key", "s3_access_key", "s3_secret_key")
                if getattr(self, name).get_secret_value() == PLACEHOLDER
                and (name == "secret_key" or self.storage_backend == "s3")
            ]
            if left:
                raise ValueError(
                    "these settings still hold the placeholder "
                    f"{PLACEHOLDER!r} outside development: {', '.join('APP_' + n.upper() for n in left)}"
                )
        return self

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


@lru_cache
def get_settings() -> Settings:
    return Settings()
