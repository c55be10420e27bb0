"""What `orb devices --org ORG --json` does, with Orb's Python client: list the devices and print
each as one JSON line. orb-bench times the whole process, start included.

python cli_python.py BASE_URL KEY ORG_ID > /dev/null
"""

import sys

from orb_cloud_client import OrbCloudClient


def main() -> None:
    base_url, key, org_id = sys.argv[1], sys.argv[2], sys.argv[3]
    out = sys.stdout
    with OrbCloudClient(base_url=base_url, token=key) as client:
        for device in client.get_organization_devices(org_id):
            out.write(device.model_dump_json())
            out.write("\n")
    out.flush()


if __name__ == "__main__":
    main()
