"""The YAML configuration files people write (Slack channels, Slack experts, eval thresholds): one loader.

Every such file is read the same way and fails the same way: one ConfigError naming the file and why
(it cannot be read, it is not YAML, or a value is wrong, with where in the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import ConfigError

__all__ = ["load_config_file"]

ConfigModel = TypeVar("ConfigModel", bound=BaseModel)


def load_config_file(path: Path, model: type[ConfigModel], what: str) -> ConfigModel:
    """Read the YAML file at `path` into `model`; `what` names the file for people ("Slack channels file").

    An empty file is an empty mapping (the model's defaults, if it has them).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the {what} ({e.strerror or e})") from e
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: the {what} is not valid YAML ({_first_line(e)})") from e
    try:
        return model.model_validate({} if raw is None else raw)
    except ValidationError as e:
        raise ConfigError(f"{path}: invalid {what} ({_problems(e)})") from e


def _first_line(error: Exception) -> str:
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__


def _problems(error: ValidationError) -> str:
    """Each wrong value as `where: what is wrong`, on one line."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or 'the file'}: {e['msg']}" for e in error.errors()
    )
