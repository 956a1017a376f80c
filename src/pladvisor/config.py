"""Service settings, read from ``PLADVISOR_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLADVISOR_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to serve on; loopback unless you mean to expose it.")
    port: int = Field(8000, ge=0, le=65535, description="Port to serve on.")
    rules_dir: Path | None = Field(None, description="Rule catalog directory; the bundled rules/ when unset.")
    log_level: str = Field("info", description="Server log level.")
    batch_limit: int = Field(1000, ge=1, le=100_000, description="Most profiles accepted in one batch request.")
