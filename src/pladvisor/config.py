"""Service settings, read from ``PLADVISOR_*`` environment variables (see the README's table)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pladvisor.domain.respondents import DEFAULT_MINIMUM_GROUP
from pladvisor.errors import PladvisorError

LOOPBACK = ("127.0.0.1", "::1", "localhost")
MIN_KEY_LENGTH = 16
"""Shorter keys can be guessed; a generated key (``python -c 'import secrets; print(secrets.token_urlsafe())'``)
is 43 characters."""


MIN_SECRET_LENGTH = 32
"""The embed secret signs links for anyone to read: a generated one (``secrets.token_urlsafe(32)``) is 43."""


class KeySourceError(PladvisorError, ValueError):
    """An API key source that is configured but unusable: the service refuses to start rather than run open."""


def _split(value: object) -> object:
    """Comma-separated lists read better in an environment variable than JSON arrays."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLADVISOR_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to serve on; loopback unless you mean to expose it.")
    port: int = Field(8000, ge=0, le=65535, description="Port to serve on.")
    workers: int = Field(1, ge=1, le=64, description="Server processes; each holds its own rule engine.")
    rules_dir: Path | None = Field(None, description="Rule catalog directory; the bundled rules/ when unset.")
    log_level: str = Field("info", pattern="^(critical|error|warning|info|debug)$", description="Log level.")
    max_body_bytes: int = Field(10_000_000, ge=1_000, description="Largest request body accepted, in bytes.")
    batch_limit: int = Field(1000, ge=1, le=100_000, description="Most profiles accepted in one batch request.")
    database_url: str = Field(
        "sqlite:///pladvisor.db",
        description="Where stored assessments live: an SQLite file by default; postgresql+psycopg://user@host/db "
        "for several instances (pip install 'pladvisor[postgres]').",
    )
    upgrade_database: bool = Field(
        False,
        description="Bring the database to this version's schema when the service starts, as `pladvisor db upgrade` "
        "does; off, a database not set up makes the storing routes answer 503.",
    )
    minimum_group: int = Field(
        DEFAULT_MINIMUM_GROUP,
        ge=2,
        le=1000,
        description="The anonymity floor of combined assessments: a surveyed role (teachers, coaches, students, "
        "families) is reported by role only when at least this many of it answered a question.",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Accepted API keys, comma-separated; empty means no key is required."
    )
    api_keys_file: Path | None = Field(None, description="File with one accepted API key per line.")
    rate_limit_per_minute: int = Field(
        0, ge=0, description="Requests per minute per API key (or client address without keys); 0 turns it off."
    )
    rate_limit_store_url: str | None = Field(
        None,
        pattern=r"^(redis|rediss|valkey)://",
        description="A Redis or Valkey server holding the rate-limit counts, so that several processes or machines "
        "share one limit (redis://host:6379/0); each process counts alone when unset.",
    )
    max_concurrent_batches: int = Field(
        2, ge=1, le=64, description="Batch requests one server process works on at once; more are answered 503."
    )
    head_timeout_seconds: float = Field(
        10.0, gt=0, le=600, description="Time a client has to send a complete request head before it is cut off."
    )
    body_timeout_seconds: float = Field(
        30.0, gt=0, le=3600, description="Time a client has to send a complete body, from the end of its head."
    )
    max_connections: int = Field(
        2048, ge=1, le=1_000_000, description="Open connections per server process; more are answered 503."
    )
    drain_seconds: int = Field(
        20,
        ge=1,
        le=3600,
        description="On SIGTERM, how long requests in flight get to finish before they are cut off and the process "
        "exits; below the orchestrator's own grace period (Kubernetes: 30 s), so the process is not killed first.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, "
        "comma-separated; none by default, so a client cannot claim another address.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Browser origins allowed to call the API, comma-separated; none by default."
    )
    embed_secret: SecretStr | None = Field(
        None,
        description="The key that signs embed links (HMAC-SHA256), at least 32 characters; changing it invalidates "
        "every link. Without it (or PLADVISOR_EMBED_SECRET_FILE) embed links cannot be made.",
    )
    embed_secret_file: Path | None = Field(None, description="File holding the embed secret; `make run` makes one.")
    embed_default_seconds: int = Field(
        7 * 24 * 3600, ge=60, description="How long an embed link lives when its request names no expiry."
    )
    embed_max_seconds: int = Field(
        90 * 24 * 3600, ge=60, le=365 * 24 * 3600, description="The longest life an embed link may be given."
    )
    embed_reads_per_minute: int = Field(
        120, ge=0, description="Embed pages and cards one client address may read in a minute; 0 turns it off."
    )
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^/?#\s]+$",
        description="The service's address as browsers reach it (https://advice.example.org), for the links it "
        "makes; the address each request was made to when unset.",
    )

    _split_lists = field_validator("api_keys", "cors_origins", "trusted_proxies", mode="before")(_split)

    def embed_key(self) -> bytes | None:
        """The embed secret, or None when embedding is off. A configured source fails closed, as keys do."""
        if self.embed_secret is not None:
            where, secret = "PLADVISOR_EMBED_SECRET", self.embed_secret.get_secret_value()
        elif self.embed_secret_file is not None:
            where = f"PLADVISOR_EMBED_SECRET_FILE {self.embed_secret_file}"
            try:
                secret = self.embed_secret_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise KeySourceError(f"{where} cannot be read: {exc}") from exc
        else:
            return None
        if len(secret) < MIN_SECRET_LENGTH:
            raise KeySourceError(f"{where}: the embed secret must be at least {MIN_SECRET_LENGTH} characters")
        return secret.encode()

    def accepted_keys(self) -> frozenset[str]:
        """Every accepted key; empty when no key source is configured (keys off).

        A configured source fails closed: an unreadable or empty key file, or a key too short to resist
        guessing, is a ``KeySourceError``. In the file, blank lines and ``#`` comments are ignored.
        """
        keys = {(f"PLADVISOR_API_KEYS item {i}", key) for i, key in enumerate(self.api_keys, start=1)}
        if self.api_keys_file is not None:
            path = self.api_keys_file
            try:
                lines = path.read_text(encoding="utf-8").split("\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise KeySourceError(f"PLADVISOR_API_KEYS_FILE {path} cannot be read: {exc}") from exc
            from_file = {
                (f"{path} line {number}", line.strip())
                for number, line in enumerate(lines, start=1)
                if line.strip() and not line.strip().startswith("#")
            }
            if not from_file:
                raise KeySourceError(
                    f"PLADVISOR_API_KEYS_FILE {path} holds no key (blank lines and # comments "
                    "do not count); refusing to serve without keys"
                )
            keys |= from_file
        for where, key in sorted(keys):
            if len(key) < MIN_KEY_LENGTH:
                raise KeySourceError(f"{where}: an API key must be at least {MIN_KEY_LENGTH} characters")
        return frozenset(key for _, key in keys)
