"""Per-instance alarms, as data. CloudWatch alarms are per instance, so a provisioner creates them when an
instance starts running and deletes them when it terminates; this module says what they are (pure), and
handlers/instance_alarms.py applies it (boto3).

- CPU: CPUUtilization above a threshold for N minutes (a miner pins every core).
- GPU: the CloudWatch agent's nvidia_smi_utilization_gpu, for accelerated instance types.
- Network (seed 004, Meson CDN: CPU stays low): NetworkOut and NetworkPacketsOut above their anomaly band,
  but only above an absolute floor, so idle instances with a jittery band do not page anyone.

Alarms carry no actions: their state changes reach the alert topic through EventBridge, from every region,
so no topic is needed per region."""

from __future__ import annotations

from dataclasses import dataclass

from cryptoguard.indicators import family_prefix
from cryptoguard.settings import coerce_fields, json_from_env, known_fields

GPU_FAMILIES = ("p", "g", "gr", "dl", "vt")


@dataclass(frozen=True)
class AlarmSettings:
    prefix: str = "cryptoguard"
    opt_out_tag: str = "cryptoguard:alarms"  # value "off" on an instance: no alarms for it
    cpu_threshold: float = 90.0
    cpu_minutes: int = 30
    gpu_threshold: float = 90.0
    gpu_minutes: int = 30
    network_out_floor_bytes: float = 5e9  # per 5 minutes: about 17 MB/s sustained
    network_packets_floor: float = 5e6
    network_band_stddevs: float = 3.0
    network_minutes: int = 30
    regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        coerce_fields(self)

    @classmethod
    def from_env(cls, variable: str = "ALARM_SETTINGS") -> AlarmSettings:
        raw = known_fields(cls, json_from_env(variable), "alarm settings")
        return cls(**{k: v for k, v in raw.items() if v is not None})


def alarm_names(settings: AlarmSettings, instance_id: str) -> list[str]:
    return [f"{settings.prefix}-{kind}-{instance_id}" for kind in ("cpu", "gpu", "netout", "pktout")]


def _periods(minutes: int, period: int = 300) -> int:
    return max(1, -(-minutes * 60 // period))


def _network(settings: AlarmSettings, instance_id: str, metric: str, floor: float, kind: str) -> dict:
    periods = _periods(settings.network_minutes)
    return {
        "AlarmName": f"{settings.prefix}-{kind}-{instance_id}",
        "AlarmDescription": f"{metric} of {instance_id} above its normal band and above {floor:g} per 5 minutes "
        f"for {settings.network_minutes} minutes: bandwidth selling (seed 004) keeps CPU low.",
        "ComparisonOperator": "GreaterThanUpperThreshold",
        "EvaluationPeriods": periods,
        "DatapointsToAlarm": periods,
        "ThresholdMetricId": "band",
        "TreatMissingData": "notBreaching",
        "Metrics": [
            {
                "Id": "m1",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/EC2",
                        "MetricName": metric,
                        "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
            },
            # Below the floor the expression is 0, which never rises above the band: idle instances stay quiet.
            {
                "Id": "floored",
                "Expression": f"IF(m1 > {floor:g}, m1, 0)",
                "ReturnData": True,
                "Label": f"{metric} above floor",
            },
            {
                "Id": "band",
                "Expression": f"ANOMALY_DETECTION_BAND(floored, {settings.network_band_stddevs:g})",
                "ReturnData": True,
                "Label": "expected band",
            },
        ],
    }


def instance_alarms(settings: AlarmSettings, instance_id: str, instance_type: str) -> list[dict]:
    """PutMetricAlarm requests for one instance."""
    cpu_periods = _periods(settings.cpu_minutes)
    alarms = [
        {
            "AlarmName": f"{settings.prefix}-cpu-{instance_id}",
            "AlarmDescription": f"CPU of {instance_id} ({instance_type}) above {settings.cpu_threshold:g}% for "
            f"{settings.cpu_minutes} minutes: the signature of a miner using every core.",
            "Namespace": "AWS/EC2",
            "MetricName": "CPUUtilization",
            "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
            "Statistic": "Average",
            "Period": 300,
            "EvaluationPeriods": cpu_periods,
            "DatapointsToAlarm": cpu_periods,
            "Threshold": settings.cpu_threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        }
    ]
    if family_prefix(instance_type) in GPU_FAMILIES:
        gpu_periods = _periods(settings.gpu_minutes)
        alarms.append(
            {
                "AlarmName": f"{settings.prefix}-gpu-{instance_id}",
                "AlarmDescription": f"GPU of {instance_id} ({instance_type}) above {settings.gpu_threshold:g}% for "
                f"{settings.gpu_minutes} minutes (CloudWatch agent, nvidia_gpu collection).",
                "Metrics": [
                    {
                        "Id": "gpu",
                        "ReturnData": True,
                        "Period": 300,
                        "Expression": "SELECT MAX(nvidia_smi_utilization_gpu) FROM CWAgent "
                        f"WHERE InstanceId = '{instance_id}'",
                    }
                ],
                "EvaluationPeriods": gpu_periods,
                "DatapointsToAlarm": gpu_periods,
                "Threshold": settings.gpu_threshold,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
            }
        )
    alarms.append(_network(settings, instance_id, "NetworkOut", settings.network_out_floor_bytes, "netout"))
    alarms.append(_network(settings, instance_id, "NetworkPacketsOut", settings.network_packets_floor, "pktout"))
    return alarms


def opted_out(settings: AlarmSettings, tags: list[dict] | None) -> bool:
    return any(t.get("Key") == settings.opt_out_tag and str(t.get("Value", "")).lower() == "off" for t in tags or [])
