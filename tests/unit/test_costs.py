"""Money at risk, from the price file: seed 000's own figure, groups at desired and maximum size, Fargate tasks,
addresses, incidents that add up their launches, alerts ordered by it, and the regeneration script's reading of
the Price List API's answers."""

from __future__ import annotations

import copy
import json

import boto3
from botocore.stub import Stubber

from cryptoguard.alerts import aggregate
from cryptoguard.drill import scenarios as sc
from cryptoguard.records import normalise
from cryptoguard.rules import Context, evaluate
from cryptoguard.settings import Settings
from tests.unit.test_hunt import hunt
from tools import prices as regen

SETTINGS = Settings(allowed_regions=sc.ALLOWED_REGIONS)


def findings(events: list[dict], settings: Settings = SETTINGS) -> list:
    ctx = Context(settings)
    return [f for e in events for f in evaluate(normalise(e), ctx)]


def seed_000(region: str) -> dict:
    event = copy.deepcopy(sc.unused_region_gpu().events()[0])
    event["region"] = event["detail"]["awsRegion"] = region
    return event


def test_seed_000s_p3_16xlarge_is_24_48_an_hour_and_17_625_60_for_30_days():
    gpu = next(f for f in findings([seed_000("us-east-1")]) if f.rule.id == "CG-LAUNCH-002")
    cost = gpu.to_dict()["cost"]
    assert (cost["cost_per_hour_usd"], cost["cost_per_30_days_usd"]) == (24.48, 17625.6)
    assert cost["instance_types"] == ["p3.16xlarge"] and cost["instances"] == 1 and cost["region"] == "us-east-1"
    assert "as of" in cost["price_source"]


def test_a_region_without_prices_uses_us_east_1_and_says_so():
    cost = next(f for f in findings([seed_000("sa-east-1")]) if f.rule.id == "CG-REGION-001").cost
    assert cost.per_hour == 24.48 and "none for sa-east-1" in cost.source
    ohio = next(f for f in findings([seed_000("us-east-2")], Settings()) if f.rule.id == "CG-LAUNCH-002").cost
    assert ohio.per_hour == 24.48 and "which us-east-2 shares" in ohio.source


def test_hunt_on_seed_000_shows_24_48_per_hour(tmp_path):
    (tmp_path / "trail.json").write_text(json.dumps({"Records": [seed_000("sa-east-1")["detail"]]}))
    proc = hunt(str(tmp_path / "trail.json"), "--allowed-regions", ",".join(sc.ALLOWED_REGIONS))
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {line["cost"]["cost_per_hour_usd"] for line in lines if "cost" in line} == {24.48}


def test_groups_are_priced_at_desired_and_maximum_size_on_their_cheapest_type():
    events = sc.nov2025_campaign().events()
    groups = [f for f in findings(events) if f.rule.id == "CG-ASG-001"]
    on_demand = next(f.cost for f in groups if "OD-" in f.details["auto_scaling_group"])
    assert on_demand.instances == 20 and on_demand.per_hour == 20 * 0.68  # c5.4xlarge / c6i.4xlarge
    assert round(on_demand.per_hour_at_max, 2) == round(999 * 0.68, 2)
    assert "lowest-priced of 4 types" in on_demand.basis


def test_fargate_tasks_addresses_and_dry_runs():
    events = sc.nov2025_campaign().events() + sc.meson_campaign().events()
    found = findings(events)
    task = next(f.cost for f in found if f.rule.id == "CG-ECS-001")
    assert round(task.per_hour, 5) == round(16 * 0.04048 + 32 * 0.004445, 5) and task.basis == "per task"
    addresses = [f.cost for f in found if f.rule.id == "CG-NET-001"]
    assert addresses[0].per_hour == 10 * 0.005
    assert all(f.cost is None for f in found if f.rule.id == "CG-RECON-001")  # a DryRun launched nothing


def test_an_incident_adds_up_its_launches_and_alerts_lead_with_the_money():
    clock = sc.Clock("2025-01-01T00:00:00Z")
    gpus = [sc._run_instances(clock, "us-east-1", sc.STOLEN_USER, 1, "p3.16xlarge") for _ in range(3)]
    small = [sc._run_instances(clock, "us-east-1", sc.COMPROMISED_ROLE, 1, "g4dn.xlarge")]
    alerts = [a for a in aggregate(findings(gpus + small, Settings())) if a.rule_id == "CG-LAUNCH-002"]
    assert [a.cost.instances for a in alerts] == [3, 1]  # the costlier incident first
    assert alerts[0].subject.startswith("[HIGH] ~$52,877 / 30 days: GPU")
    assert alerts[0].to_dict()["cost"]["cost_per_hour_usd"] == 73.44


def test_the_regeneration_script_reads_the_price_list_api():
    product = {
        "product": {"attributes": {"instanceType": "p3.16xlarge", "regionCode": "ap-northeast-1"}},
        "terms": {
            "OnDemand": {
                "X.JRTCKXETXF": {
                    "priceDimensions": {
                        "X.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": "41.9400000000"}}
                    }
                }
            }
        },
    }
    data = {
        "source": "x",
        "as_of": "2000-01-01",
        "public_ipv4_per_hour": 0.005,
        "same_as": {"ap-northeast-1": "us-east-1"},
        "regions": {
            "us-east-1": {"instances": {"p3.16xlarge": 24.48}, "sagemaker": {"ml.p3.2xlarge": 3.825}, "fargate": {}}
        },
    }
    pricing = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(pricing) as stub:
        stub.add_response("get_products", {"PriceList": [json.dumps(product)], "FormatVersion": "aws_v1"})
        stub.add_response("get_products", {"PriceList": [], "FormatVersion": "aws_v1"})
        updated = regen.regenerate(pricing, data, ["ap-northeast-1"])
    tokyo = updated["regions"]["ap-northeast-1"]
    assert tokyo["instances"] == {"p3.16xlarge": 41.94} and tokyo["sagemaker"] == {}
    assert "ap-northeast-1" not in updated["same_as"] and updated["source"] == "AWS Price List API (on-demand)"
