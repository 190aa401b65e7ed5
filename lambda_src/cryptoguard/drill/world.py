"""The accounts behind the scenarios' records: what CloudTrail redacted, put where enrichment reads it back.

A record whose user data CloudTrail hid names the instance or launch template the call made. Here each one is
created in the emulated account (EC2 on moto, through the same client factory the detector uses, so it lands in
the account the detector asks), with the hidden user data, and a copy of the record names the real id."""

from __future__ import annotations

import base64
import copy
import uuid

from cryptoguard.enrich import ClientFactory
from cryptoguard.records import as_dict, as_list

# Any image id will do on moto; this is seed 002's.
IMAGE_ID = "ami-0a2e7efb4257c0907"


def materialise(events: list[dict], hidden: dict[str, str], clients: ClientFactory) -> list[dict]:
    """`events` with every record in `hidden` backed by a real resource in its account and region."""
    out = []
    for event in events:
        detail = as_dict(event.get("detail"))
        user_data = hidden.get(str(detail.get("eventID")))
        if user_data is None:
            out.append(event)
            continue
        event = copy.deepcopy(event)
        detail = event["detail"]
        ec2 = clients("ec2", detail["recipientAccountId"], detail["awsRegion"])
        request = detail["requestParameters"]
        if detail["eventName"] == "RunInstances":
            made = ec2.run_instances(
                ImageId=IMAGE_ID, InstanceType=request["instanceType"], MinCount=1, MaxCount=1, UserData=user_data
            )
            items = as_list(as_dict(detail.get("responseElements")).get("instancesSet", {}).get("items"))
            items[0]["instanceId"] = made["Instances"][0]["InstanceId"]
        elif detail["eventName"] == "CreateLaunchTemplate":
            asked = request["CreateLaunchTemplateRequest"]
            made = ec2.create_launch_template(
                LaunchTemplateName=f"{asked['LaunchTemplateName']}-{uuid.uuid4().hex[:8]}",
                LaunchTemplateData={
                    "InstanceType": asked["LaunchTemplateData"]["InstanceType"],
                    "UserData": base64.b64encode(user_data.encode()).decode(),
                },
            )["LaunchTemplate"]
            detail["responseElements"] = {
                "CreateLaunchTemplateResponse": {
                    "launchTemplate": {
                        "launchTemplateId": made["LaunchTemplateId"],
                        "launchTemplateName": made["LaunchTemplateName"],
                        "defaultVersionNumber": 1,
                        "latestVersionNumber": 1,
                    }
                }
            }
        else:
            raise ValueError(f"no resource to make for a redacted {detail['eventName']}")
        out.append(event)
    return out
