"""What Terraform itself does not check, read with python-hcl2: every variable and output has a description
and every variable a type. Real Terraform (through the stand-in providers, tools/tfstandin) judges the rest.
The parsed modules also serve the contract tests and the README generator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2


@dataclass(frozen=True)
class Finding:
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class Module:
    path: Path
    files: dict[str, dict] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def blocks(self, kind: str) -> Iterator[tuple[str, list[str], dict]]:
        """(file, labels, body) for every top-level block of a kind."""
        for name, doc in self.files.items():
            for entry in doc.get(kind, []):
                yield from _labelled(name, entry, [])

    @property
    def variables(self) -> dict[str, dict]:
        return {labels[0]: body for _, labels, body in self.blocks("variable")}

    @property
    def outputs(self) -> dict[str, dict]:
        return {labels[0]: body for _, labels, body in self.blocks("output")}

    @property
    def locals(self) -> set[str]:
        return {k for _, _, body in self.blocks("locals") for k in body if not k.startswith("__")}


def _unquote(label: str) -> str:
    return label[1:-1] if label.startswith('"') and label.endswith('"') else label


def _labelled(file: str, entry: dict, labels: list[str]) -> Iterator[tuple[str, list[str], dict]]:
    if entry.get("__is_block__"):
        yield file, labels, entry
        return
    for key, value in entry.items():
        yield from _labelled(file, value, labels + [_unquote(key)])


def load_module(path: Path) -> Module:
    module = Module(path)
    for tf in sorted(path.glob("*.tf")):
        try:
            with tf.open() as fh:
                module.files[tf.name] = hcl2.load(fh)
        except Exception as exc:  # python-hcl2 raises lark errors of several kinds
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            module.findings.append(Finding(str(tf), f"does not parse: {first}"))
    return module


# ---- expressions -------------------------------------------------------------------------------------


def code_parts(value: str) -> str:
    """The code of an hcl2 expression string, without the text of string literals (but with their
    interpolations), so that words in descriptions are never read as references."""
    if value.startswith('"<<'):  # heredoc: text with interpolations
        return " ".join(_interpolations(value))
    if value.startswith('"'):
        return " ".join(_interpolations(value[1:-1]))
    if value.startswith("${") and value.endswith("}"):
        value = value[2:-1]
    out, i, n = [], 0, len(value)
    while i < n:
        if value[i] == '"':
            j, depth, start = i + 1, 0, i + 1
            while j < n:
                if value[j] == "\\":
                    j += 2
                    continue
                if value.startswith("${", j) and depth == 0:
                    depth, start = 1, j + 2
                    j += 2
                    continue
                if depth:
                    depth += {"{": 1, "}": -1}.get(value[j], 0)
                    if depth == 0:
                        out.append(" " + code_parts("${" + value[start:j] + "}") + " ")
                elif value[j] == '"':
                    break
                j += 1
            i = j + 1
            out.append(" ")
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _interpolations(text: str) -> Iterator[str]:
    i = 0
    while (start := text.find("${", i)) != -1:
        depth, j = 1, start + 2
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        yield code_parts("${" + text[start + 2 : j - 1] + "}")
        i = j


def expressions(value: Any) -> Iterator[str]:
    """Every expression string inside an hcl2 value (attribute values, nested blocks, lists, maps)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("__"):
                continue
            if key.startswith("${"):
                yield key
            yield from expressions(item)


def check_documentation(module: Module) -> Iterator[Finding]:
    for file, (name,), body in module.blocks("variable"):
        if "description" not in body:
            yield Finding(file, f"variable.{name}: has no description")
        if "type" not in body:
            yield Finding(file, f"variable.{name}: has no type")
    for file, (name,), body in module.blocks("output"):
        if "description" not in body:
            yield Finding(file, f"output.{name}: has no description")
