"""Service settings, read from ``PLADVISOR_*`` environment variables (see the README's table)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
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


class SettingsError(PladvisorError, ValueError):
    """A ``PLADVISOR_*`` variable that cannot be used, said in one line that names it and what it accepts: the
    person who set it reads this, not a validation report about a field they never named."""


LogLevel = Literal["critical", "error", "warning", "info", "debug"]


def _split(value: object) -> object:
    """Comma-separated lists read better in an environment variable than JSON arrays."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _working_urls() -> str:
    postgres = "postgresql+psycopg://user:password@host/db"
    if importlib.util.find_spec("psycopg") is None:
        postgres += " after pip install 'pladvisor[postgres]'"
    return f"URLs that work here: sqlite:///path/to/file.db, or {postgres}"


def _connectable(value: str) -> str:
    """A URL the service can connect with, checked when the settings are read: a database without its
    driver, or with one that works only under asyncio, would otherwise fail with a traceback at the first
    connection."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(value)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a database URL; {_working_urls()}") from exc
    shown = url.render_as_string(hide_password=True)
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError as exc:
        raise ValueError(f"{shown!r} names a database pladvisor cannot use; {_working_urls()}") from exc
    driver = url.get_driver_name()
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise ValueError(
            f"the database driver {driver} that {shown!r} uses is not installed; {_working_urls()}"
        ) from exc
    if dialect.is_async:
        raise ValueError(
            f"the database driver {driver} that {shown!r} uses works only under asyncio, which pladvisor's "
            f"storage does not use; {_working_urls()}"
        )
    return value


ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://(\[[0-9a-f:.]+\]|[^\s/?#@:\[\]]+)(:(?P<port>\d{1,5}))?", re.IGNORECASE)
"""``scheme://host[:port]``, as a browser sends it in ``Origin``: one written with a path, even ``/``, never
matches."""


def _origin(value: str) -> bool:
    match = ORIGIN.fullmatch(value)
    return match is not None and (match["port"] is None or int(match["port"]) <= 65535)


def _bounds(noun: str, field: FieldInfo) -> str:
    ge, gt, le = (
        next((getattr(item, name) for item in field.metadata if hasattr(item, name)), None)
        for name in ("ge", "gt", "le")
    )
    if ge is not None and le is not None:
        return f"{noun} from {ge} to {le}"
    if gt is not None and le is not None:
        return f"{noun} above {gt} and at most {le}"
    if ge == 0:
        return f"{noun}, 0 or more"
    if ge is not None:
        return f"{noun} of at least {ge}"
    if gt is not None:
        return f"{noun} above {gt}"
    return noun


def _accepts(field: FieldInfo) -> str | None:
    """What a setting takes, in words, from its type and bounds; None for a type not described here."""
    kind = field.annotation
    if get_origin(kind) is Literal:
        *most, last = get_args(kind)
        return f"one of {', '.join(most)} or {last}"
    if kind is bool:
        return "true or false"
    if kind is int:
        return _bounds("a whole number", field)
    if kind is float:
        return _bounds("a number", field)
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLADVISOR_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to serve on; loopback unless you mean to expose it.")
    port: int = Field(8000, ge=1, le=65535, description="Port to serve on.")
    workers: int = Field(1, ge=1, le=64, description="Server processes; each holds its own rule engine.")
    rules_dir: Path | None = Field(None, description="Rule catalog directory; the bundled rules/ when unset.")
    log_level: LogLevel = Field("info", description="Log level.")
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
    survey_answers_per_minute: int = Field(
        120,
        ge=0,
        description="Answers one client address may send through survey links in a minute; 0 turns it off.",
    )
    public_url: str | None = Field(
        None,
        description="The service's address as browsers reach it (https://advice.example.org), for the links it "
        "makes; the address each request was made to when unset.",
    )

    _split_lists = field_validator("api_keys", "cors_origins", "trusted_proxies", mode="before")(_split)
    _database_connectable = field_validator("database_url")(_connectable)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not _origin(origin):
                raise ValueError(
                    "must be browser origins, comma-separated, each written scheme://host[:port] as in "
                    f"https://portal.example (or * for any), not {origin!r}"
                )
        return origins

    @field_validator("rate_limit_store_url")
    @classmethod
    def _redis(cls, url: str | None) -> str | None:
        if url is not None and not re.match(r"(redis|rediss|valkey)://", url):
            raise ValueError(
                f"must be a redis://, rediss:// or valkey:// address, as in redis://localhost:6379/0, not {url!r}"
            )
        return url

    @field_validator("public_url")
    @classmethod
    def _address(cls, url: str | None) -> str | None:
        if url is not None and not re.fullmatch(r"https?://[^/?#\s]+", url):
            raise ValueError(
                f"must be an http:// or https:// address with no path, as in https://advice.example.org, not {url!r}"
            )
        return url

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings the ``PLADVISOR_*`` variables give, or a ``SettingsError`` naming every one at fault."""
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError("; ".join(_explain(cls, error) for error in exc.errors())) from exc

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


def _explain(settings: type[Settings], error: Any) -> str:
    """One validation error as its variable, and what the variable accepts (a validator's own sentence)."""
    name = str(error["loc"][0])
    variable = f"{settings.model_config.get('env_prefix', '')}{name}".upper()
    if error["type"] == "value_error":
        return f"{variable}: {error['ctx']['error']}"
    accepts = _accepts(settings.model_fields[name])
    if accepts is None:
        return f"{variable}: {error['msg']}, not {error['input']!r}"
    return f"{variable}: must be {accepts}, not {error['input']!r}"
