#!/usr/bin/env bash
# Start the Sagssim JupyterHub with local users, run release → fetch → submit ×2 → collect →
# autograde, stop everything, print a JSON report. Needs root; see run_demo.py and docs/scale.md.
#   sudo deploy/jupyterhub/run-demo.sh [--keep] [--json report.json]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export PATH="$repo/.venv/bin:$PATH"
exec "$repo/.venv/bin/python" "$here/run_demo.py" "$@"
