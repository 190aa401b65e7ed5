"""Sessions in member accounts, for the two functions that reach into them: the responder (acting) and the
user data enricher (reading). Each uses its own role; both get credentials that renew themselves."""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.session import get_session

# For the functions that make many calls in a row (audits, imports, reconciles): back off on throttling and try
# again, rather than fail the run.
ADAPTIVE_RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10})


def own_account() -> str:
    return boto3.client("sts").get_caller_identity()["Account"]


def assumed(role_arn: str, session_name: str) -> boto3.Session:
    """A session on the role whose credentials renew themselves before they expire: warm environments keep
    sessions across invocations, and work can outlast one set of credentials. Raises the ClientError of the
    first AssumeRole when the role is missing or will not trust the caller."""
    sts = boto3.client("sts")

    def refresh() -> dict[str, str]:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    core = get_session()
    core._credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "sts-assume-role")
    return boto3.Session(botocore_session=core)
