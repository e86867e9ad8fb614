#!/usr/bin/env bash
# One-time setup of a machine (Debian bookworm): the Debian packages the
# project needs, then the Python venv with the pinned dependencies.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  postgresql-15                          # server + contrib (citext)
  postgresql-client-15
  postgresql-15-pgtap                    # pgTAP
  libtap-parser-sourcehandler-pgtap-perl # pg_prove
  postgresql-15-plpgsql-check            # static checks of PL/pgSQL
  util-linux                             # setpriv: run the server as postgres when root
  prometheus                             # promtool: CI checks deploy/prometheus/alerts.yml (~96 MB, ~40 s)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
echo "setup done: .venv ready, PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}')"
