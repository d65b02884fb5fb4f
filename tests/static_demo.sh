#!/usr/bin/env bash
# Static checks of the demo stack (docker-compose.yml, provisioning/, demo/): no Docker
# engine needed. Installs what the checks need when it is missing, from Debian
# (prometheus for promtool, docker-compose, shellcheck, nodejs) and PyPI (pinned, in a
# virtualenv under target/), then runs tests/static_demo.py, which prints one line per
# check and closes with "N passed, M failed". Exits non-zero when a check fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${STATIC_DEMO_VENV:-$root/target/static-demo-venv}"
pip_pkgs=(
  "PyYAML==6.0.4"
  "jsonschema==4.26.0"
  "check-jsonschema==0.39.0"
  "kubernetes-validate==1.37.0"
)

apt_pkgs=()
command -v promtool >/dev/null 2>&1 || apt_pkgs+=(prometheus)
command -v docker-compose >/dev/null 2>&1 || apt_pkgs+=(docker-compose)
command -v shellcheck >/dev/null 2>&1 || apt_pkgs+=(shellcheck)
command -v node >/dev/null 2>&1 || apt_pkgs+=(nodejs)
if ((${#apt_pkgs[@]})); then
  echo "static_demo: installing from Debian: ${apt_pkgs[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
fi

stamp="$venv/.static-demo-requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${pip_pkgs[*]}" ]; then
  echo "static_demo: preparing $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${pip_pkgs[@]}"
  printf '%s' "${pip_pkgs[*]}" >"$stamp"
fi

STATIC_DEMO_REQUIRE_TOOLS=1 PATH="$venv/bin:$PATH" exec "$venv/bin/python" "$root/tests/static_demo.py"
