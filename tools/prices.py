"""Regenerate lambda_src/cryptoguard/data/prices.json from the AWS Price List API, for those who can call it.

    .venv/bin/python -m tools.prices [--region us-east-1 --region ap-northeast-1 ...]

Needs credentials allowed pricing:GetProducts (free). For every region asked (default: those the file has), it
looks up each EC2 and SageMaker type the file lists (add a type to the us-east-1 table to have it priced
everywhere): on-demand, Linux, shared tenancy. Fargate and public IPv4 figures are kept as they are."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from cryptoguard.costs import PRICES

EC2_FILTERS = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "licenseModel": "No License required",
}


def on_demand_usd(price_list: list[str]) -> float | None:
    """The lowest on-demand USD hourly price in a GetProducts PriceList (JSON strings, one product each)."""
    found = []
    for item in price_list:
        terms = json.loads(item).get("terms", {}).get("OnDemand", {})
        for term in terms.values():
            for dimension in term.get("priceDimensions", {}).values():
                usd = float(dimension.get("pricePerUnit", {}).get("USD", 0) or 0)
                if usd > 0 and dimension.get("unit", "Hrs").lower().startswith("hr"):
                    found.append(usd)
    return min(found) if found else None


def lookup(pricing: Any, service: str, region: str, attributes: dict[str, str]) -> float | None:
    filters = [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in {"regionCode": region, **attributes}.items()]
    pages = pricing.get_paginator("get_products").paginate(ServiceCode=service, Filters=filters)
    return on_demand_usd([item for page in pages for item in page.get("PriceList", [])])


def regenerate(pricing: Any, data: dict[str, Any], regions: list[str]) -> dict[str, Any]:
    """`data` with the EC2 and SageMaker tables of `regions` looked up again; types with no price are left out."""
    base = data["regions"]["us-east-1"]
    tables = dict(data["regions"])
    for region in regions:
        table = {"fargate": tables.get(region, base)["fargate"], "instances": {}, "sagemaker": {}}
        for instance_type in base["instances"]:
            price = lookup(pricing, "AmazonEC2", region, {"instanceType": instance_type, **EC2_FILTERS})
            if price is not None:
                table["instances"][instance_type] = price
        for instance_type in base["sagemaker"]:
            price = lookup(pricing, "AmazonSageMaker", region, {"instanceName": instance_type})
            if price is not None:
                table["sagemaker"][instance_type] = price
        tables[region] = table
    return {
        **data,
        "regions": tables,
        "same_as": {k: v for k, v in data["same_as"].items() if k not in regions},
        "as_of": datetime.now(UTC).date().isoformat(),
        "source": "AWS Price List API (on-demand)",
    }


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(prog="python -m tools.prices", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", action="append", help="a region to price (repeatable; default: the file's)")
    args = parser.parse_args(argv)
    data = json.loads(PRICES.read_text())
    pricing = boto3.client("pricing", region_name="us-east-1")  # the API's home: answers for every region
    updated = regenerate(pricing, data, args.region or list(data["regions"]))
    PRICES.write_text(json.dumps(updated, indent=2) + "\n")
    print(f"wrote {PRICES} ({', '.join(sorted(updated['regions']))}, as of {updated['as_of']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
