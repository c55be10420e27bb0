"""Orb's Python client timed the way orb-bench times the Rust clients.

python bench_python.py list BASE_URL KEY ORG_ID RUNS  -> each run lists the org's devices
python bench_python.py orgs BASE_URL KEY - CALLS      -> CALLS sequential list-organizations
Prints {"times_ms": [...], "peak_rss_kb": N, "items": N}.
"""

import json
import resource
import sys
import time

from orb_cloud_client import OrbCloudClient


def main() -> None:
    mode, base_url, key, org_id, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    times = []
    items = 0
    with OrbCloudClient(base_url=base_url, token=key) as client:
        if mode == "list":
            for _ in range(n):
                start = time.perf_counter()
                devices = client.get_organization_devices(org_id)
                times.append((time.perf_counter() - start) * 1000)
                items = len(devices)
                # Freed before the next call, as the Rust children do.
                del devices
        else:
            start = time.perf_counter()
            for _ in range(n):
                items = len(client.get_organizations())
            times.append((time.perf_counter() - start) * 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"times_ms": times, "peak_rss_kb": peak, "items": items}))


if __name__ == "__main__":
    main()
