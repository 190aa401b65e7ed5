"""Recover a Terraform provider schema from a cdktn provider binding on PyPI.

The wheel of `cdktn-provider-<name>` embeds its npm package (`*.jsii.tgz`), whose generated JavaScript was
written from the provider's own `terraform providers schema -json`. Every attribute getter carries that
schema's flags in a comment, and the HCL synthesis code carries the nesting of each block:

    // bucket - computed: true, optional: true, required: false
    get bucket() { return this.getStringAttribute('bucket'); }
    lifecycle_rule: { value: cdktn.listMapperHcl(...)(...), isBlock: true, type: "list", storageClassType: ... }

From that we rebuild the schema in the format of `terraform providers schema -json`:
attribute types, required/optional/computed, nested attributes, block nesting (list, set, single), and
min/max items. What the binding does not record, and how we guess (on the strict side):
- `sensitive` and `deprecated` are unknown: nothing is sensitive or deprecated;
- resource schema versions are unknown: 0 (only state upgrades use them, and mocks have no state);
- a block's max_items is 1 exactly when the binding models it as one object, more is not recorded;
- provider-defined functions and ephemeral resources are not served.

Usage: python -m tools.tfstandin.schema WHEEL OUT.json
"""

from __future__ import annotations

import io
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

_FLAGS = re.compile(
    r"^    // (?P<name>[a-z0-9_]+) - computed: (?P<computed>true|false), optional: (?P<optional>true|false), "
    r"required: (?P<required>true|false)\n(?:    _\w+(?: = new .*)?;\n)?"
    r"    get (?P<camel>\w+)\(\) \{\n        return (?P<expr>.*);$",
    re.M,
)
_SYNTH = re.compile(
    r"^\s+(?P<name>[a-z0-9_]+): \{\n\s+value: (?P<value>.*),\n\s+isBlock: (?P<block>true|false),\n"
    r"\s+type: \"(?P<type>\w+)\",\n\s+storageClassType: \"(?P<storage>\w+)\",",
    re.M,
)
_FIELD = re.compile(
    r"^    _(?P<camel>\w+) = new (?P<cls>[\w.]+)\(this, \"(?P<name>\w+)\"(?:, (?P<set>true|false))?\);$", re.M
)
# A static field in newer bindings, an assignment after the class in older ones.
_RESOURCE_TYPE = re.compile(r'^(?:    static |\w+\.)tfResourceType = "(?P<type>\w+)";$', re.M)
_TOP = re.compile(r"^(?:class (?P<cls>\w+) extends (?P<base>[\w.]+)|function (?P<fn>\w+)\()", re.M)
_GETTER_TYPES = {
    "getStringAttribute": "string",
    "getNumberAttribute": "number",
    "getBooleanAttribute": "bool",
    "getListAttribute": ["list", "string"],
    "getNumberListAttribute": ["list", "number"],
    "getStringMapAttribute": ["map", "string"],
    "getNumberMapAttribute": ["map", "number"],
    "getBooleanMapAttribute": ["map", "bool"],
    "interpolationForAttribute": "dynamic",
}
_PRIMITIVE_STORAGE = {
    "string": "string",
    "number": "number",
    "boolean": "bool",
    "any": "dynamic",
    "stringList": ["list", "string"],
    "numberList": ["list", "number"],
    "booleanList": ["list", "bool"],
    "stringMap": ["map", "string"],
    "numberMap": ["map", "number"],
    "booleanMap": ["map", "bool"],
    "anyMap": ["map", "dynamic"],
    "stringListList": ["list", ["list", "string"]],
    "stringListMap": ["map", ["list", "string"]],
    "stringMapList": ["list", ["map", "string"]],
    "stringMapMap": ["map", ["map", "string"]],
}
_ALWAYS_COMPUTED = {"id", "region", "tags_all"}
_ANCHOR = re.compile(r"#([a-z0-9_]+) ")
_CDKTN_FIELDS = {
    "cdktn.StringMap": ["map", "string"],
    "cdktn.NumberMap": ["map", "number"],
    "cdktn.BooleanMap": ["map", "bool"],
}


class Segment:
    """One top-level class or function of a generated file: its getters, fields and synthesised attributes."""

    def __init__(self, text: str) -> None:
        self.getters = [m.groupdict() for m in _FLAGS.finditer(text)]
        self.fields = {m["camel"]: m.groupdict() for m in _FIELD.finditer(text)}
        self.synth = {m["name"]: m.groupdict() for m in _SYNTH.finditer(text)}
        found = _RESOURCE_TYPE.search(text)
        self.resource_type = found["type"] if found else None


def _segments(source: str) -> dict[str, tuple[str, Segment]]:
    marks = list(_TOP.finditer(source))
    out = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(source)
        out[m["cls"] or m["fn"]] = (m["base"] or "function", Segment(source[m.start() : end]))
    return out


class FileSchema:
    """The schemas of the resource, data source or provider classes of one generated file."""

    def __init__(self, source: str, required: dict[str, set[str]] | None = None) -> None:
        self.segments = _segments(source)
        self.required = required or {}

    def _synth_of(self, struct: str) -> dict[str, dict]:
        fn = struct[0].lower() + struct[1:] + "ToHclTerraform"
        return self.segments[fn][1].synth if fn in self.segments else {}

    def _class_type(self, cls: str, wraps_set: str | None) -> Any:
        """The cty type of a computed complex attribute held by a List, Map or OutputReference class."""
        if cls in _CDKTN_FIELDS:
            return _CDKTN_FIELDS[cls]
        list_kind = "set" if wraps_set == "true" else "list"
        for suffix, kind in (("List", list_kind), ("Map", "map"), ("OutputReference", None)):
            if cls.endswith(suffix):
                element = cls[: -len(suffix)] + "OutputReference"
                obj = ["object", {n: a["type"] for n, a in self.block(element, object_only=True)["attributes"].items()}]
                return [kind, obj] if kind else obj
        raise ValueError(f"unknown attribute class {cls}")

    def _getter_type(self, getter: dict, segment: Segment) -> Any:
        expr = getter["expr"]
        if expr.startswith("this._"):
            field = segment.fields.get(expr[len("this._") :].removesuffix(".internalValue"))
            if field is None:
                raise ValueError(f"no field behind {expr}")
            return self._class_type(field["cls"], field["set"])
        wrapped = expr.startswith("cdktn.Fn.tolist(")
        method = re.search(r"this\.(\w+)\(", expr)
        if not method or method[1] not in _GETTER_TYPES:
            raise ValueError(f"unknown getter {expr}")
        kind = _GETTER_TYPES[method[1]]
        return ["set", kind[1]] if wrapped else kind

    def _synth_entry(self, name: str, entry: dict, flags: dict) -> tuple[str, dict]:
        """("attribute" | "block", its schema) for an argument the configuration can set."""
        storage, kind = entry["storage"], entry["type"]
        if storage in _PRIMITIVE_STORAGE:
            cty = _PRIMITIVE_STORAGE[storage]
            if kind == "set" and isinstance(cty, list):
                cty = ["set", cty[1]]
            return "attribute", {"type": cty, **flags}
        element = re.sub(r"(List|Map|OutputReference)$", "", storage)
        nested = self.block(element + "OutputReference", struct=element)
        single = not entry["value"].startswith("cdktn.listMapperHcl(") and not entry["value"].startswith(
            "cdktn.hashMapperHcl("
        )
        mode = {"list": "list", "set": "set", "struct": "single", "map": "map"}[kind]
        if entry["block"] == "true":
            block = {"nesting_mode": mode, "block": nested}
            if mode in ("list", "set"):  # Terraform allows item counts on these two modes only
                if flags.get("required"):
                    block["min_items"] = 1
                if single:
                    block["max_items"] = 1
            return "block", block
        return "attribute", {"nested_type": {**nested, "nesting_mode": mode}, **flags}

    def block(self, cls: str, struct: str | None = None, object_only: bool = False) -> dict:
        """The schema block of a resource, data source, provider or nested OutputReference class."""
        base, segment = self.segments.get(cls, ("missing", None))
        synth = segment.synth if segment and base.startswith("cdktn.Terraform") else self._synth_of(struct or cls)
        attributes: dict[str, dict] = {}
        blocks: dict[str, dict] = {}
        getters = {g["name"]: g for g in segment.getters} if segment else {}
        for name in dict.fromkeys([*getters, *synth]):
            getter = getters.get(name)
            if getter:
                flags = {k: True for k in ("required", "optional", "computed") if getter[k] == "true"}
            else:
                # Older bindings comment only computed-only getters, and plain structs (the provider's
                # configuration) none: required-ness then comes from the jsii struct; optional arguments
                # are taken as not computed, except the three every resource computes.
                key = (struct or cls).removesuffix("OutputReference")
                config = cls + "Config" if base.startswith("cdktn.Terraform") else key
                if name in self.required.get(config, ()):
                    flags = {"required": True}
                else:
                    flags = {"optional": True, **({"computed": True} if name in _ALWAYS_COMPUTED else {})}
            if name in synth:
                kind, schema = self._synth_entry(name, synth[name], flags)
                if kind == "block" and object_only:
                    kind, schema = "attribute", {"type": _block_type(schema), **flags}
                (blocks if kind == "block" else attributes)[name] = schema
            else:
                attributes[name] = {"type": self._getter_type(getter, segment), **flags}
        for nested in blocks.values():
            # The bindings type the deepest levels of a few schemas (wafv2 statements) as "any", and Terraform
            # forbids dynamic attributes inside sets: those blocks are served as lists.
            inner = nested["block"]["attributes"].values()
            if nested["nesting_mode"] == "set" and any(a.get("type") == "dynamic" for a in inner):
                nested["nesting_mode"] = "list"
        out: dict[str, Any] = {"attributes": attributes}
        if blocks:
            out["block_types"] = blocks
        return out

    def top_level(self) -> list[tuple[str, str, dict]]:
        """(kind, type name, block) for each resource, data source and provider class in the file."""
        kinds = {
            "cdktn.TerraformResource": "resource",
            "cdktn.TerraformDataSource": "data_source",
            "cdktn.TerraformProvider": "provider",
        }
        return [
            (kinds[base], segment.resource_type, self.block(cls))
            for cls, (base, segment) in self.segments.items()
            if base in kinds
        ]


def _block_type(block_schema: dict) -> Any:
    """A nested block as the cty type it has when read as an attribute."""
    inner = block_schema["block"]
    obj = ["object", {n: a.get("type") or _nested_type(a["nested_type"]) for n, a in inner["attributes"].items()}]
    for n, b in inner.get("block_types", {}).items():
        obj[1][n] = _block_type(b)
    mode = block_schema["nesting_mode"]
    return obj if mode == "single" else [mode, obj]


def _nested_type(nested: dict) -> Any:
    obj = ["object", {n: a.get("type") or _nested_type(a["nested_type"]) for n, a in nested["attributes"].items()}]
    mode = nested["nesting_mode"]
    return obj if mode == "single" else [mode, obj]


def required_arguments(assembly: dict) -> dict[str, set[str]]:
    """{struct name: its required arguments} from the jsii assembly's interfaces."""
    out: dict[str, set[str]] = {}
    for fqn, t in assembly["types"].items():
        if t["kind"] != "interface":
            continue
        names = set()
        for prop in t.get("properties", []):
            docs = prop.get("docs", {})
            anchor = _ANCHOR.search(f"{docs.get('summary', '')} {docs.get('remarks', '')}")
            if anchor and not prop.get("optional"):
                names.add(anchor[1])
        out[fqn.rsplit(".", 1)[1]] = names
    return out


def package_files(wheel: Path) -> tuple[str, str, dict[str, str], dict]:
    """(provider name, version, {path: JavaScript source}, jsii assembly) of a cdktn provider wheel."""
    with zipfile.ZipFile(wheel) as zf:
        inner = next(n for n in zf.namelist() if n.endswith(".jsii.tgz"))
        data = zf.read(inner)
    sources: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.name.startswith("package/lib/") and member.name.endswith("/index.js"):
                # cdktn was cdktf until 2025: older bindings name the same base classes cdktf.*
                sources[member.name] = tar.extractfile(member).read().decode().replace("cdktf.", "cdktn.")
            elif member.name == "package/.jsii":
                assembly = json.load(tar.extractfile(member))
    readme = json.dumps(assembly["readme"])
    link = re.search(r"registry\.terraform\.io/providers/hashicorp/(\w+)/([0-9.]+)/docs", readme)
    return link[1], link[2], sources, assembly


def schema_from_wheel(wheel: Path) -> dict:
    """The provider's schema in the format of `terraform providers schema -json`."""
    name, version, sources, assembly = package_files(wheel)
    required = required_arguments(assembly)
    provider: dict[str, Any] = {"provider": {"version": 0, "block": {"attributes": {}}}}
    resources: dict[str, dict] = {}
    data_sources: dict[str, dict] = {}
    for path in sorted(sources):
        for kind, type_name, block in FileSchema(sources[path], required).top_level():
            if kind == "provider":
                provider["provider"] = {"version": 0, "block": block}
            else:
                (resources if kind == "resource" else data_sources)[type_name] = {"version": 0, "block": block}
    provider["resource_schemas"] = resources
    provider["data_source_schemas"] = data_sources
    return {
        "format_version": "1.0",
        "provider_schemas": {f"registry.terraform.io/hashicorp/{name}": provider},
        "provider_version": version,
        "source": wheel.name,
    }


def main() -> None:
    wheel, out = Path(sys.argv[1]), Path(sys.argv[2])
    schema = schema_from_wheel(wheel)
    out.write_text(json.dumps(schema, sort_keys=True))
    (body,) = schema["provider_schemas"].values()
    print(f"{out}: {len(body['resource_schemas'])} resources, {len(body['data_source_schemas'])} data sources")


if __name__ == "__main__":
    main()
