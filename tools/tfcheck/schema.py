"""Build offline Terraform provider schemas from the jsii metadata of CDK provider bindings.

The cdktn provider wheels embed a `.jsii` assembly that describes, for every resource and data source,
its config struct (the arguments, with required/optional) and the structs of its nested blocks. That is
everything `terraform validate` would check about names and required arguments, so we extract it once
into a compact JSON per provider:

    {"provider": "aws", "version": "6.69.1", "source": "cdktn-provider-aws==25.8.1",
     "provider_config": <block>, "resources": {type: <block>}, "data_sources": {type: <block>}}
    <block> = {"attributes": {name: {"required": bool}}, "blocks": {name: {"required": bool,
               "max_one": bool, "block": <block>}}, "readable": [name, ...] (top level only)}

Usage: python -m tools.tfcheck.schema --requirements requirements/schemas.txt --out .cache/schemas
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/hashicorp/(?P<provider>[a-z0-9]+)/"
    r"(?P<version>[0-9.]+)/docs(?:/(?P<kind>resources|data-sources)/(?P<name>[a-z0-9_]+))?"
)
_ANCHOR = re.compile(r"#([a-z0-9_]+) ")
_META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "connection", "provisioner"}


def _docs_text(member: dict) -> str:
    docs = member.get("docs", {})
    return f"{docs.get('summary', '')} {docs.get('remarks', '')}"


def _struct_fqn(type_ref: dict) -> tuple[str | None, bool]:
    """The struct a property refers to and whether it is a single (max one) block."""
    if "fqn" in type_ref:
        return type_ref["fqn"], True
    for member in type_ref.get("union", {}).get("types", []):
        element = member.get("collection", {}).get("elementtype", {})
        if "fqn" in element:
            return element["fqn"], False
    return None, False


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()


def _block(types: dict, fqn: str, seen: frozenset[str] = frozenset()) -> dict:
    attributes: dict[str, dict] = {}
    blocks: dict[str, dict] = {}
    for prop in types[fqn].get("properties", []):
        text = _docs_text(prop)
        anchor = _ANCHOR.search(text)
        name = anchor.group(1) if anchor else _snake(prop["name"])
        required = not prop.get("optional", False)
        struct, max_one = _struct_fqn(prop["type"])
        if struct and struct in types and struct not in seen and types[struct]["kind"] == "interface":
            entry = {"required": required, "max_one": max_one, "block": _block(types, struct, seen | {fqn})}
            # Framework providers model nested attributes as structs too; only "<name> block." is a block.
            if f"{name} block." in text:
                blocks[name] = entry
            else:
                attributes[name] = {"required": required, "nested": entry["block"]}
        else:
            attributes[name] = {"required": required}
    return {"attributes": attributes, "blocks": blocks}


def schema_from_jsii(assembly: dict, source: str) -> dict:
    types = assembly["types"]
    out: dict = {"source": source, "resources": {}, "data_sources": {}}
    for t in types.values():
        if t["kind"] != "class" or not any(p["name"] == "tfResourceType" for p in t.get("properties", [])):
            continue
        link = _LINK.search(t.get("docs", {}).get("summary", ""))
        params = t.get("initializer", {}).get("parameters", [])
        config = next((p["type"].get("fqn") for p in params if p["name"] == "config"), None)
        if not link or not config:
            continue
        block = _block(types, config)
        for meta in _META_ARGUMENTS:
            block["attributes"].pop(meta, None)
        # Readable attributes (arguments plus computed ones) are the class's getters, for reference checks.
        getters = {p["name"] for p in t.get("properties", []) if not p.get("static")}
        block["readable"] = sorted(
            set(block["attributes"]) | {_snake(g) for g in getters if not g.endswith("Input") and g != "tfResourceType"}
        )
        out["provider"], out["version"] = link["provider"], link["version"]
        if link["kind"] == "resources":
            out["resources"][f"{link['provider']}_{link['name']}"] = block
        elif link["kind"] == "data-sources":
            out["data_sources"][f"{link['provider']}_{link['name']}"] = block
        else:
            out["provider_config"] = block
    return out


def _read_assembly(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(zf.read(name))) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("/.jsii"))
            return json.load(tar.extractfile(member))


def build(requirements: Path, out_dir: Path) -> list[Path]:
    pins = [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
    pins = [p for p in pins if p]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for pin in pins:
        marker = out_dir / (pin.replace("==", "-") + ".done")
        if marker.exists():
            written.append(Path(marker.read_text().strip()))
            print(f"up to date: {written[-1]}")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-deps",
                    "--only-binary=:all:",
                    "-d",
                    tmp,
                    pin,
                ],
                check=True,
            )
            wheel = next(Path(tmp).glob("*.whl"))
            schema = schema_from_jsii(_read_assembly(wheel), pin)
        path = out_dir / f"{schema['provider']}.json"
        path.write_text(json.dumps(schema, sort_keys=True))
        marker.write_text(str(path))
        written.append(path)
        print(
            f"wrote {path}: {schema['provider']} {schema['version']}, {len(schema['resources'])} resources, "
            f"{len(schema['data_sources'])} data sources (from {pin})"
        )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=Path("requirements/schemas.txt"))
    parser.add_argument("--out", type=Path, default=Path(".cache/schemas"))
    args = parser.parse_args()
    build(args.requirements, args.out)


if __name__ == "__main__":
    main()
