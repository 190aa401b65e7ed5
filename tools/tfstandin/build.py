"""`make setup`'s step for Terraform: stand-ins for the providers, in filesystem mirrors inside .cache.

For each provider set (`current`: the versions the modules are written against; `floor`: the lowest
versions versions.tf admits) it downloads the cdktn binding wheel, recovers the schema
(tools.tfstandin.schema), serialises the answers (tools.tfstandin.responses), and writes

    .cache/terraform/mirror-<set>/registry.terraform.io/hashicorp/<name>/<version>/<os>_<arch>/terraform-provider-<name>_v<version>
    .cache/terraform/terraformrc-<set>     (provider_installation { filesystem_mirror { ... } })

The harness (tools.tfstandin.harness) hands that file to Terraform as TF_CLI_CONFIG_FILE, so a user's own
~/.terraformrc, plugin cache and credentials are never read or touched.

Usage: python -m tools.tfstandin.build
"""

from __future__ import annotations

import datetime
import hashlib
import json
import platform
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.tfstandin import responses, schema

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "terraform"
# The bindings, per provider set. cdktn-provider-aws 25.8.1 is hashicorp/aws 6.69.1 and archive 14.0.1 is
# hashicorp/archive 2.8.1. The floor set holds the oldest bindings on PyPI, aws 21.23.0 (6.28.0) and archive
# 11.1.0 (2.7.1): the floors in every versions.tf (tests/terraform/test_contracts.py keeps them in step).
PROVIDER_SETS = {
    "current": ["cdktn-provider-aws==25.8.1", "cdktn-provider-archive==14.0.1"],
    "floor": ["cdktn-provider-aws==21.23.0", "cdktn-provider-archive==11.1.0"],
}
_CODE = [Path(schema.__file__), Path(responses.__file__)]


def _platform() -> str:
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{sys.platform}_{machine}"


def _download(pin: str, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = pin.split("==")[0].replace("-", "_")
    version = pin.split("==")[1]
    found = list(directory.glob(f"{name}-{version}-*.whl"))
    if found:
        return found[0]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary=:all:", "-d", str(directory), pin],
        check=True,
    )  # fmt: skip
    return next(directory.glob(f"{name}-{version}-*.whl"))


def provider(pin: str) -> tuple[str, str, Path]:
    """(name, version, responses directory) of a binding, built once per pin and code version."""
    fingerprint = hashlib.sha256(pin.encode() + b"".join(p.read_bytes() for p in _CODE)).hexdigest()
    marker = CACHE / "providers" / (pin.replace("==", "-") + ".json")
    if marker.exists():
        built = json.loads(marker.read_text())
        if built["fingerprint"] == fingerprint and Path(built["responses"]).is_dir():
            return built["name"], built["version"], Path(built["responses"])
    wheel = _download(pin, CACHE / "wheels")
    recovered = schema.schema_from_wheel(wheel)
    ((address, body),) = recovered["provider_schemas"].items()
    name, version = address.rsplit("/", 1)[1], recovered["provider_version"]
    target = CACHE / "providers" / f"{name}-{version}"
    (target).mkdir(parents=True, exist_ok=True)
    (target / "schema.json").write_text(json.dumps(recovered, sort_keys=True))
    responses.write(recovered, target / "responses")
    marker.write_text(json.dumps({"fingerprint": fingerprint, "name": name, "version": version,
                                  "responses": str(target / "responses")}))  # fmt: skip
    print(f"{pin}: hashicorp/{name} {version}, {len(body['resource_schemas'])} resources, "
          f"{len(body['data_source_schemas'])} data sources")  # fmt: skip
    return name, version, target / "responses"


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for go-plugin's TLS, made once."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    if cert.exists() and key.exists():
        return cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, True, False, False, False), critical=True
        )  # digital signature, key encipherment, certificate signing
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), False)
        .sign(private, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    pem, pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    key.write_bytes(private.private_bytes(pem, pkcs8, serialization.NoEncryption()))
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    return cert, key


def mirror(set_name: str, pins: list[str]) -> Path:
    """The mirror and CLI configuration of one provider set; returns the configuration file."""
    cert, key = certificate(CACHE / "tls")
    root = CACHE / f"mirror-{set_name}"
    server = ROOT / "tools" / "tfstandin" / "server.py"
    for pin in pins:
        name, version, answers = provider(pin)
        directory = root / "registry.terraform.io" / "hashicorp" / name / version / _platform()
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.parent.parent.glob("*"):
            if stale.name != version:  # one version per provider per set: Terraform would pick the newest
                subprocess.run(["rm", "-rf", str(stale)], check=True)
        executable = directory / f"terraform-provider-{name}_v{version}"
        executable.write_text(
            "#!/bin/sh\n# Stand-in provider built by tools/tfstandin/build.py; the code lives outside the mirror.\n"
            f'exec "{sys.executable}" -I "{server}" "{answers}" "{cert}" "{key}"\n'
        )
        executable.chmod(executable.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    config = CACHE / f"terraformrc-{set_name}"
    config.write_text(
        "# Written by tools/tfstandin/build.py: Terraform finds the stand-in providers here and nowhere else.\n"
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{root}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }}\n'
        "}\n"
        "disable_checkpoint = true\n"
    )
    return config


def main() -> None:
    with tempfile.TemporaryDirectory():
        for set_name, pins in PROVIDER_SETS.items():
            print(f"{set_name}: {mirror(set_name, pins)}")


if __name__ == "__main__":
    main()
