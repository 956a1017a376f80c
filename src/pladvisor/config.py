"""Service settings, read from ``PLADVISOR_*`` environment variables (see the README's table)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOOPBACK = ("127.0.0.1", "::1", "localhost")


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
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Accepted API keys, comma-separated; empty means no key is required."
    )
    api_keys_file: Path | None = Field(None, description="File with one accepted API key per line.")
    rate_limit_per_minute: int = Field(
        0, ge=0, description="Requests per minute per API key (or client address without keys); 0 turns it off."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Browser origins allowed to call the API, comma-separated; none by default."
    )

    _split_lists = field_validator("api_keys", "cors_origins", mode="before")(_split)

    def accepted_keys(self) -> frozenset[str]:
        keys = set(self.api_keys)
        if self.api_keys_file is not None:
            keys |= {line.strip() for line in self.api_keys_file.read_text(encoding="utf-8").splitlines()}
        return frozenset(key for key in keys if key)
