"""The YAML config loader: one ConfigError naming the file and why, whichever config file it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from assistant.config_files import load_config_file
from assistant.errors import ConfigError


class Owners(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owners: dict[str, str] = Field(default_factory=dict)
    fallback: str | None = None


def test_a_config_file_is_read_into_its_model_and_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "experts.yaml"
    path.write_text("owners:\n  Dana Reyes: U123\nfallback: S0DESK\n", encoding="utf-8")
    assert load_config_file(path, Owners, "experts file") == Owners(
        owners={"Dana Reyes": "U123"}, fallback="S0DESK"
    )
    path.write_text("", encoding="utf-8")
    assert load_config_file(path, Owners, "experts file") == Owners()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (None, r"cannot read the experts file \(No such file or directory\)$"),
        ("owners: [unclosed\n", r"the experts file is not valid YAML \(.+\)$"),
        ("owners:\n  Dana Reyes: [U1, U2]\n", r"invalid experts file \(owners\.Dana Reyes: Input should be"),
        ("owner: {}\n", r"invalid experts file \(owner: Extra inputs are not permitted\)$"),
        ("- a list\n", r"invalid experts file \(the file: Input should be a valid dictionary"),
    ],
)
def test_a_bad_config_file_is_one_config_error_naming_the_file_and_why(
    tmp_path: Path, text: str | None, why: str
) -> None:
    path = tmp_path / "experts.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}: {why}"):
        load_config_file(path, Owners, "experts file")
