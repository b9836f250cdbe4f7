#!/usr/bin/env bash
# System packages the test suite needs (`make test` runs this) and the deployment in docs/scale.md. Idempotent: installs only what is missing, and runs
# `apt-get update` at most once. Debian 12 (bookworm).
#   chromium, fonts-dejavu-core   headless browser for the browser tests and PDF reports (Playwright
#                                 drives Debian's build: its own browser download needs the open net)
#   node-configurable-http-proxy  JupyterHub's proxy (configurable-http-proxy 4.5)
#   postgresql                    PostgreSQL 15 server + client (the gradebook for several graders)
#   python3.11                    a system interpreter every local user can run (used when the
#                                 project venv sits on an interpreter under /root, e.g. pyenv)
set -euo pipefail
packages=(chromium fonts-dejavu-core node-configurable-http-proxy postgresql python3.11)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  # postgresql's postinst would create and start a default cluster; the tests start their own.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's proxy keeps its modules in /usr/share/nodejs; a non-Debian Node.js needs NODE_PATH
# (deploy/jupyterhub/jupyterhub_config.py sets it for the hub).
NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}" configurable-http-proxy --version >/dev/null
/usr/lib/postgresql/15/bin/postgres --version >/dev/null
chromium --version >/dev/null 2>&1
