"""Typed values out of one YAML mapping, with file:line and the closest key in every message."""

from __future__ import annotations

import difflib
import reprlib
from typing import Any

from ..errors import ConfigError
from .document import Mapping


class Checker:
    """Reads typed values out of one YAML mapping, with file:line in every message."""

    def __init__(self, path: str, mapping: Any, where: str, allowed: tuple[str, ...]):
        self.path = path
        self.where = where
        if not isinstance(mapping, Mapping):
            line = getattr(mapping, "line", None)
            raise ConfigError(f"{where}: expected a mapping of keys", path=path, line=line)
        self.mapping = mapping
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key)[:100], allowed, n=1)
                hint = (
                    f"did you mean {close[0]!r}?" if close else "valid keys: " + ", ".join(allowed)
                )
                self.fail(key, f"unknown key {_REPR.repr(key)}; {hint}")

    def line(self, key: str) -> int:
        return self.mapping.lines.get(key, self.mapping.line)

    def fail(self, key: str, message: str) -> None:
        raise ConfigError(f"{self.where}: {message}", path=self.path, line=self.line(key))

    def has(self, key: str) -> bool:
        return key in self.mapping and self.mapping[key] is not None

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        if not self.has(key):
            return default
        value = self.mapping[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # YAML ints are fine where floats are wanted; bools are not ints here.
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds:
            value_ok = False
        else:
            value_ok = isinstance(value, kinds)
        if not value_ok:
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.fail(key, f"{key!r} must be {names}, not {_REPR.repr(value)}")
        return value

    def require(self, key: str, kind: type | tuple[type, ...]) -> Any:
        if not self.has(key):
            raise ConfigError(
                f"{self.where}: missing required key {key!r}",
                path=self.path,
                line=self.mapping.line,
            )
        return self.get(key, kind)

    def positive(self, key: str, kind: type, default: Any) -> Any:
        value = self.get(key, kind, default)
        if value is not None and not value > 0:  # NaN is not greater than 0 either
            self.fail(key, f"{key!r} must be greater than 0, not {_REPR.repr(value)}")
        return value


_REPR = reprlib.Repr()  # aliases may nest a value many times: show only its start
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 2
_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}
