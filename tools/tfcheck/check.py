"""Offline checks of Terraform configurations: the part of `terraform validate` that needs no provider
binary, driven by the schemas that `tools.tfcheck.schema` extracts.

Each check returns findings; a configuration is valid when there are none. What is checked:
- every .tf file parses (python-hcl2);
- resource and data source types exist in a known provider schema, their arguments and nested blocks
  exist, required ones are present, computed-only attributes are not set;
- references resolve: var., local., module. (and the module's outputs), data., resources and their
  attributes, each. only under for_each, count. only under count;
- module calls with a local source pass only declared inputs and every required one;
- variables and outputs have descriptions, variables have types.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

RESOURCE_META = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
MODULE_META = {"source", "version", "providers", "count", "for_each", "depends_on"}
# Attributes that providers accept in their schema but compute themselves: setting them is always a bug.
COMPUTED_ONLY = {"tags_all", "id"}
BUILTIN_RESOURCES = {"terraform_data", "null_resource"}
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_INDEX = r"(?:\[[^\[\]]*\])?"
_REF = re.compile(
    rf"(?<![\w.])(?P<root>var|local|module|data|each|count|self|path|terraform)\.(?P<rest>{_NAME}"
    rf"(?:{_INDEX}\.{_NAME})?(?:{_INDEX}\.{_NAME})?)"
)
_RESOURCE_REF = re.compile(
    rf"(?<![\w.])(?P<type>[a-z][a-z0-9]*_[a-z0-9_]+)\.(?P<name>{_NAME})(?P<index>{_INDEX})"
    rf"(?:\.(?P<attr>{_NAME}))?"
)


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


def load_schemas(directory: Path) -> dict[str, dict]:
    schemas = {}
    for path in sorted(directory.glob("*.json")):
        schema = json.loads(path.read_text())
        schemas[schema["provider"]] = schema
    if not schemas:
        raise FileNotFoundError(f"no provider schemas in {directory}: run `make setup`")
    return schemas


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


# ---- checks ------------------------------------------------------------------------------------------


def _schema_for(schemas: dict[str, dict], kind: str, type_name: str) -> dict | None:
    provider = schemas.get(type_name.split("_", 1)[0])
    return provider and provider["resources" if kind == "resource" else "data_sources"].get(type_name)


def check_block_body(body: dict, schema: dict, where: str, file: str, meta: set[str]) -> Iterator[Finding]:
    attributes, blocks = schema["attributes"], schema["blocks"]
    present: set[str] = set()
    for key, value in body.items():
        if key.startswith("__") or key in meta:  # python-hcl2's own keys: __is_block__, __comments__
            continue
        if key == "dynamic":
            for _, (name,), dyn in (b for entry in value for b in _labelled(file, entry, [])):
                if name not in blocks:
                    yield Finding(file, f"{where}: unknown nested block `{name}` (dynamic)")
                    continue
                present.add(name)
                for content in dyn.get("content", []):
                    yield from check_block_body(content, blocks[name]["block"], f"{where}.{name}", file, set())
            continue
        if key in blocks and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            present.add(key)
            if blocks[key]["max_one"] and len(value) > 1:
                yield Finding(file, f"{where}: block `{key}` may appear at most once")
            for item in value:
                yield from check_block_body(item, blocks[key]["block"], f"{where}.{key}", file, set())
            continue
        if key in blocks:
            yield Finding(file, f"{where}: `{key}` is a nested block; write `{key} {{ ... }}`, not `{key} = ...`")
            continue
        if key not in attributes:
            hint = _closest(key, list(attributes) + list(blocks))
            yield Finding(file, f"{where}: unknown argument `{key}`" + (f" (did you mean `{hint}`?)" if hint else ""))
            continue
        if key in COMPUTED_ONLY and meta:  # top level only: `id` inside a nested block is a real argument
            yield Finding(file, f"{where}: `{key}` is computed by the provider and cannot be set")
        if isinstance(value, list) and value and all(isinstance(v, dict) and v.get("__is_block__") for v in value):
            yield Finding(file, f"{where}: `{key}` is an argument; write `{key} = ...`, not a block")
        present.add(key)
    for name, spec in list(attributes.items()) + list(blocks.items()):
        if spec["required"] and name not in present:
            kind = "block" if name in blocks else "argument"
            yield Finding(file, f"{where}: missing required {kind} `{name}`")


def _closest(word: str, options: list[str]) -> str | None:
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return match[0] if match else None


def check_schema(module: Module, schemas: dict[str, dict]) -> Iterator[Finding]:
    for kind in ("resource", "data"):
        for file, (type_name, name), body in module.blocks(kind):
            if type_name in BUILTIN_RESOURCES:
                continue
            where = f"{'data.' if kind == 'data' else ''}{type_name}.{name}"
            schema = _schema_for(schemas, kind, type_name)
            if schema is None:
                provider = type_name.split("_", 1)[0]
                what = "data source" if kind == "data" else "resource type"
                known = provider in schemas
                yield Finding(
                    file,
                    f"{where}: unknown {what} `{type_name}`"
                    + ("" if known else f" (no schema for provider `{provider}`)"),
                )
                continue
            yield from check_block_body(body, schema, where, file, RESOURCE_META)


def check_providers(module: Module, schemas: dict[str, dict]) -> Iterator[Finding]:
    for file, (name,), body in module.blocks("provider"):
        schema = schemas.get(name, {}).get("provider_config")
        if schema is not None:
            yield from check_block_body(body, schema, f"provider.{name}", file, {"alias", "version"})


def check_references(module: Module, schemas: dict[str, dict], load: Any = load_module) -> Iterator[Finding]:
    variables, locals_ = module.variables, module.locals
    modules = {labels[0]: body for _, labels, body in module.blocks("module")}
    resources = {(t, n) for _, (t, n), _ in module.blocks("resource")}
    data = {(t, n) for _, (t, n), _ in module.blocks("data")}
    module_outputs: dict[str, set[str] | None] = {}
    for name, body in modules.items():
        source = _unquote(str(body.get("source", "")))
        target = (module.path / source).resolve()
        module_outputs[name] = set(load(target).outputs) if source.startswith(".") and target.is_dir() else None

    def scan(file: str, where: str, value: Any, context: set[str]) -> Iterator[Finding]:
        for expr in expressions(value):
            code = code_parts(expr)
            for m in _REF.finditer(code):
                root, parts = m["root"], re.split(r"\[[^\[\]]*\]|\.", m["rest"])
                parts = [p for p in parts if p]
                first = parts[0]
                problem = None
                if root == "var" and first not in variables:
                    problem = f"undefined variable `var.{first}`"
                elif root == "local" and first not in locals_:
                    problem = f"undefined local value `local.{first}`"
                elif root == "module":
                    if first not in modules:
                        problem = f"undefined module `module.{first}`"
                    elif len(parts) > 1 and module_outputs[first] is not None and parts[1] not in module_outputs[first]:
                        problem = f"module `{first}` has no output `{parts[1]}`"
                elif root == "data" and len(parts) > 1 and (first, parts[1]) not in data:
                    problem = f"undefined data source `data.{first}.{parts[1]}`"
                elif root == "each" and "each" not in context:
                    problem = "`each.` used outside a block with for_each"
                elif root == "count" and "count" not in context:
                    problem = "`count.` used outside a block with count"
                if problem:
                    yield Finding(file, f"{where}: {problem}")
            for m in _RESOURCE_REF.finditer(code):
                type_name, name = m["type"], m["name"]
                if type_name.split("_", 1)[0] not in schemas and type_name not in BUILTIN_RESOURCES:
                    continue
                if (type_name, name) not in resources:
                    yield Finding(file, f"{where}: undefined resource `{type_name}.{name}`")
                    continue
                schema = _schema_for(schemas, "resource", type_name)
                if m["attr"] and schema and m["attr"] not in schema.get("readable", schema["attributes"]):
                    yield Finding(file, f"{where}: `{type_name}` has no attribute `{m['attr']}`")

    for kind in ("resource", "data", "module", "output", "locals", "variable", "provider", "terraform", "check"):
        for file, labels, body in module.blocks(kind):
            where = ".".join([kind] + labels)
            context = {k for k in ("for_each", "count") if k in body}
            context = {"each" if k == "for_each" else k for k in context}
            if kind == "variable":
                # Only validation blocks hold expressions that reference things (var.<self>).
                for validation in body.get("validation", []):
                    yield from scan(file, where, validation, context)
                continue
            yield from scan(file, where, body, context)

    for file, (name,), body in module.blocks("module"):
        source = _unquote(str(body.get("source", "")))
        target = (module.path / source).resolve()
        if not source.startswith("."):
            continue
        if not target.is_dir():
            yield Finding(file, f"module.{name}: source `{source}` is not a directory")
            continue
        callee = load(target).variables
        for arg in body:
            if arg not in MODULE_META and not arg.startswith("__") and arg not in callee:
                hint = _closest(arg, list(callee))
                yield Finding(
                    file,
                    f"module.{name}: `{source}` has no input `{arg}`" + (f" (did you mean `{hint}`?)" if hint else ""),
                )
        for var, spec in callee.items():
            if "default" not in spec and var not in body:
                yield Finding(file, f"module.{name}: missing required input `{var}` of `{source}`")


def check_documentation(module: Module) -> Iterator[Finding]:
    for file, (name,), body in module.blocks("variable"):
        if "description" not in body:
            yield Finding(file, f"variable.{name}: has no description")
        if "type" not in body:
            yield Finding(file, f"variable.{name}: has no type")
    for file, (name,), body in module.blocks("output"):
        if "description" not in body:
            yield Finding(file, f"output.{name}: has no description")


def check_module(path: Path, schemas: dict[str, dict]) -> list[Finding]:
    cache: dict[Path, Module] = {}

    def load(p: Path) -> Module:
        if p not in cache:
            cache[p] = load_module(p)
        return cache[p]

    module = load(path.resolve())
    findings = list(module.findings)
    findings += check_schema(module, schemas)
    findings += check_providers(module, schemas)
    findings += check_references(module, schemas, load)
    findings += check_documentation(module)
    return findings


def terraform_dirs(root: Path) -> list[Path]:
    skip = {".terraform", ".venv", ".venv-localstack", ".venv-checkov", ".cache", "node_modules", ".git"}
    dirs = {p.parent for p in root.rglob("*.tf") if not skip & set(p.relative_to(root).parts)}
    return sorted(dirs)
