"""Loading YAML metadata (front matter, sidecars) with dates kept as text, so validation can name the key.

Aliases (`*name`) are refused: nested anchors let a few hundred bytes expand to gigabytes of metadata
(the "billion laughs"), and hand-written metadata has no use for them.
"""

from __future__ import annotations

from typing import Any

import yaml

from assistant.sizes import MIB

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# Raw metadata YAML beyond this is not even parsed (the parsed result has its own, smaller, limit).
MAX_METADATA_SOURCE_BYTES = MIB


class _DatesAsTextLoader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps ("2024-13-40" stays a string) and without aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in metadata", event.start_mark
            )
        return super().compose_node(parent, index)


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_mapping(text: str) -> dict[str, Any]:
    """Parse YAML text that must be a mapping (empty text is an empty mapping).

    Raises ValueError with a one-line reason for invalid YAML or a non-mapping document.
    """
    try:
        data = yaml.load(text, Loader=_DatesAsTextLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"invalid YAML ({e.problem or e.context}{where})") from e
    except (yaml.YAMLError, ValueError) as e:
        raise ValueError(f"invalid YAML ({e})") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping of keys to values, got a {_yaml_kind(data)}")
    return {str(key): value for key, value in data.items()}


def _yaml_kind(data: object) -> str:
    if isinstance(data, list):
        return "list"
    if isinstance(data, str):
        return "string"
    return type(data).__name__
