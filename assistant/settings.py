"""The one place configuration is read: environment variables (prefix DEAL_) and ./.env.

Entry points build `Settings()` once and pass plain values down; nothing else reads the environment.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All of Deal Assistant's configuration. See README "Configuration" and .env.example."""

    model_config = SettingsConfigDict(env_prefix="DEAL_", env_file=".env", extra="ignore")

    # Knowledge and storage
    knowledge_dir: Path = Field(Path("knowledge"), description="Folder of knowledge documents to ingest.")
    data_dir: Path = Field(
        Path(".deal-assistant"), description="Where knowledge-base versions, indexes and feedback live."
    )
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (e.g. http://chroma:8000); embedded Chroma when unset."
    )
    collection_prefix: str = Field("deal_kb", description="Prefix of the Chroma collection names.")
    keep_versions: int = Field(5, ge=2, description="Knowledge-base versions kept for rollback.")

    # Answering
    llm: str | None = Field(
        None,
        description="LangChain chat model, e.g. openai:gpt-4.1-mini; the offline composer when unset.",
    )
    # The model endpoint: with a base URL set, the model is called there and nowhere else.
    llm_base_url: str | None = Field(
        None, description="Endpoint of the chat model (e.g. http://127.0.0.1:8080/v1 for llama.cpp/vLLM)."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="Key for the model endpoint; the provider's own variable is ignored when set."
    )
    llm_timeout: float = Field(30.0, gt=0, description="Seconds one model call may take.")
    llm_max_tokens: int = Field(600, ge=16, description="Longest model reply, in tokens.")
    llm_retries: int = Field(1, ge=0, le=5, description="Retries of a failed model call (not of timeouts).")
    llm_concurrency: int = Field(1, ge=1, description="Model calls in flight at once (per loaded model).")
    llm_slow_after: float = Field(
        3.0,
        ge=0,
        description="Seconds the bot waits for the model in a channel before posting the offline answer "
        "first (the checked model answer then replaces it).",
    )
    top_k: int = Field(8, ge=1, le=50, description="Chunks retrieved per question.")

    # Slack (Slack's own variable names for its secrets)
    slack_bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"))
    slack_api_url: str | None = Field(
        None,
        description="Slack Web API base URL (GovSlack, or a fake for tests); Slack's default when unset.",
    )
    slack_port: int = Field(3000, description="Port of the HTTP Events API endpoint.")
    slack_channels_file: Path | None = Field(
        None, description="YAML mapping channel ids to a client and an audience override."
    )
    slack_experts_file: Path | None = Field(
        None, description="YAML mapping document owners to Slack user ids, plus a fallback group."
    )
    slack_workers: int = Field(8, ge=1, description="Questions answered concurrently by the bot.")
    slack_download_seconds: float = Field(
        60.0, gt=0, description="Seconds one download of a file attached in Slack may take in all."
    )
    feedback_db: Path | None = Field(
        None, description="SQLite file for feedback; <data_dir>/feedback.sqlite3 by default."
    )

    # ---- Ingest limits (per knowledge file; a file over a limit fails alone with the reason) ----
    max_file_mb: float = Field(50.0, gt=0, description="Largest knowledge file read at ingest (MiB).")
    max_rows: int = Field(50_000, ge=1, description="Most spreadsheet/CSV rows holding a value, per file.")
    max_columns: int = Field(1_000, ge=1, description="Most used columns in one spreadsheet row.")
    max_chunks: int = Field(20_000, ge=1, description="Most chunks one file may produce.")
    max_meta_kb: float = Field(
        16.0, gt=0, description="Largest metadata of one file, serialised as JSON (KiB)."
    )
    max_expanded_mb: float = Field(
        512.0, gt=0, description="Largest uncompressed size of a .docx/.xlsx (MiB)."
    )
    max_expansion_ratio: float = Field(100.0, gt=1, description="Largest compression ratio of a member.")
    ingest_worker_mb: float = Field(2048.0, gt=0, description="Memory one file's parsing may allocate (MiB).")
    ingest_file_seconds: float = Field(300.0, gt=0, description="Time one file's parsing may take.")
    # ---- end of ingest limits ----

    # Questionnaires
    questionnaire_max_mb: float = Field(10.0, gt=0, description="Largest questionnaire file accepted (MiB).")
    questionnaire_max_questions: int = Field(1000, ge=1, description="Most questions filled from one file.")

    # Deal desk (the business case and risk thresholds; README "Deal desk")
    business_case_threshold: Decimal = Field(
        Decimal(5_000_000), gt=0, description="Contract life value above which a formal business case is due."
    )
    retention_floor: Decimal = Field(Decimal("0.90"), ge=0, le=2, description="Renewal retention floor.")
    margin_floor: Decimal = Field(Decimal("0.20"), ge=-1, le=1, description="Lowest yearly margin.")
    payback_limit_months: int = Field(18, ge=1, description="Payback later than this month is a risk.")
    concentration_limit: Decimal = Field(
        Decimal("0.60"), gt=0, le=1, description="Largest service line's share of revenue (above: a risk)."
    )
    sla_gp_share_limit: Decimal = Field(
        Decimal("0.25"), ge=0, description="SLA credits at the cap, as a share of annual GP, before a risk."
    )

    # Answer library
    library_db: Path | None = Field(
        None, description="SQLite file of approved answers; <data_dir>/library.sqlite3 by default."
    )
    library_review_days: int = Field(
        365, ge=1, description="A library row last reviewed longer ago than this is reported as stale."
    )
    library_channel: str | None = Field(
        None, description="Slack channel id `/deal library` posts the health digest to (else where asked)."
    )

    def feedback_path(self) -> Path:
        return self.feedback_db or self.data_dir / "feedback.sqlite3"

    def library_path(self) -> Path:
        return self.library_db or self.data_dir / "library.sqlite3"
