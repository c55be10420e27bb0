"""Orb's official Python client (orb-cloud-client from PyPI) against the sandbox, unchanged.

Usage: python orb_client_compat.py BASE_URL API_KEY PUSH_URL
Prints one JSON object: {"results": {call: {"ok": bool, "detail": str}}, "version": str}.
Run by sandbox/tests/python_client.rs when ORB_PYTHON names an interpreter that has the client.
"""

import json
import sys
import traceback
from importlib import metadata

from orb_cloud_client import OrbCloudClient
from orb_cloud_client.models.config import DataPush, Datasets
from orb_cloud_client.models.generic import TempDatasetsRequest


def main() -> None:
    base_url, key, push_url = sys.argv[1], sys.argv[2], sys.argv[3]
    results = {}

    def call(name, fn):
        try:
            value = fn()
            results[name] = {"ok": True, "detail": summarize(value)}
            return value
        except Exception as e:  # noqa: BLE001 - every failure is reported, none hidden
            results[name] = {
                "ok": False,
                "detail": f"{type(e).__name__}: {e}"[:500],
                "trace": traceback.format_exc()[-1500:],
            }
            return None

    with OrbCloudClient(base_url=base_url, token=key) as client:
        orgs = call("get_organizations", client.get_organizations) or []
        org_id = orgs[0].organization_id if orgs else "missing"
        devices = call("get_organization_devices", lambda: client.get_organization_devices(org_id)) or []
        orb_id = devices[0].orb_id if devices else "missing"
        if devices:
            d = devices[0]
            results["device_fields"] = {
                "ok": bool(d.orb_id and d.name is not None),
                "detail": f"{d.orb_id} {d.name} connected={d.is_connected}",
            }
        call("get_organization_configurations", lambda: client.get_organization_configurations(org_id))
        call(
            "get_organization_device_configuration",
            lambda: client.get_organization_device_configuration(org_id, orb_id),
        )
        call(
            "patch_organization_device_configuration",
            lambda: client.patch_organization_device_configuration(
                org_id, orb_id, {"datasets.cloud_push": ["scores_1m"]}
            ),
        )
        call(
            "delete_organization_device_configuration",
            lambda: client.delete_organization_device_configuration(org_id, orb_id),
        )
        request = TempDatasetsRequest(
            duration="1m",
            datasets_config=Datasets(
                enabled=True,
                datasets=["scores_1s"],
                push=DataPush(enabled=True, url=push_url, datasets=["scores_1s"], format="jsonl", interval_ms=100),
            ),
        )
        call("configure_temporary_datasets", lambda: client.configure_temporary_datasets(orb_id, request))
        call(
            "push_organization_device_temp_datasets",
            lambda: client.push_organization_device_temp_datasets(org_id, orb_id, request),
        )
        call("trigger_speedtest", lambda: client.trigger_speedtest(orb_id, "content"))
        call(
            "organization_device_trigger_speedtest",
            lambda: client.organization_device_trigger_speedtest(org_id, orb_id, "top"),
        )

    print(json.dumps({"version": metadata.version("orb-cloud-client"), "results": results}))


def summarize(value):
    if isinstance(value, list):
        return f"{len(value)} items"
    text = repr(value)
    return text[:200]


if __name__ == "__main__":
    main()
