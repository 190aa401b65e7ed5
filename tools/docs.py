"""Generated parts of the READMEs: each module's inputs and outputs (from its .tf files) and the rule catalogue
(from the rule definitions). They live between marker comments; `make docs` rewrites them, and a test fails
when they are stale.

  python -m tools.docs --write    rewrite every generated section
  python -m tools.docs --check    exit 1 if any is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from tools.tfcheck.check import load_module

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- BEGIN GENERATED: {} -->", "<!-- END GENERATED: {} -->"


def _clean(value: object) -> str:
    text = str(value)
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1]
    return text.replace("|", "\\|").replace("\n", " ")


def _type(value: object) -> str:
    text = re.sub(r"\s+", " ", _clean(value))
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}...`"


def _default(body: dict) -> str:
    if "default" not in body:
        return "**required**"
    value = body["default"]
    if value in ({}, []):
        return f"`{value}`"
    text = _clean(value) if not isinstance(value, dict | list) else str(value)
    return f"`{text}`" if len(text) <= 40 else "see variables.tf"


def module_tables(directory: Path) -> str:
    module = load_module(directory)
    lines = ["### Inputs", "", "| name | description | type | default |", "|---|---|---|---|"]
    for name, body in sorted(module.variables.items()):
        lines.append(
            f"| `{name}` | {_clean(body.get('description', ''))} | {_type(body.get('type', 'any'))} | "
            f"{_default(body)} |"
        )
    lines += ["", "### Outputs", "", "| name | description |", "|---|---|"]
    for name, body in sorted(module.outputs.items()):
        lines.append(f"| `{name}` | {_clean(body.get('description', ''))} |")
    return "\n".join(lines)


def rule_catalogue() -> str:
    sys.path.insert(0, str(ROOT / "lambda_src"))
    from cryptoguard.__main__ import catalogue_markdown
    from cryptoguard.rules import RULES
    from cryptoguard.rules.base import SEEDS

    return catalogue_markdown(RULES.values(), SEEDS)


def sections() -> dict[Path, dict[str, str]]:
    """README path -> {section name: generated text}."""
    out: dict[Path, dict[str, str]] = {
        ROOT / "README.md": {"rules": rule_catalogue(), "root-module": module_tables(ROOT)}
    }
    for module in sorted((ROOT / "modules").iterdir()):
        if (module / "variables.tf").exists():
            out[module / "README.md"] = {"module": module_tables(module)}
    return out


def render(text: str, name: str, body: str) -> str:
    begin, end = BEGIN.format(name), END.format(name)
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"markers for '{name}' missing: add\n{begin}\n{end}")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for readme, parts in sections().items():
        if not readme.exists():
            stale.append(f"{readme.relative_to(ROOT)}: missing")
            continue
        text = original = readme.read_text()
        for name, body in parts.items():
            try:
                text = render(text, name, body)
            except ValueError as exc:
                stale.append(f"{readme.relative_to(ROOT)}: {exc}")
        if text != original:
            if args.write:
                readme.write_text(text)
                print(f"updated {readme.relative_to(ROOT)}")
            else:
                stale.append(f"{readme.relative_to(ROOT)}: generated section out of date (run `make docs`)")
    for line in stale:
        print(line, file=sys.stderr)
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
