#!/usr/bin/env bash
# What the slow test tier needs beside the main environment: system packages and engines with their own pins.
# Idempotent: each part is skipped when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium chromium-driver)
command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing system packages: ${apt_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

# The engines' environments build side by side (they share nothing); each log is shown when it ends.
logs=$(mktemp -d)
pids=()
for script in scripts/setup_*_env.sh; do
  [ "$script" = "scripts/setup_test_env.sh" ] && continue
  name=$(basename "$script" .sh)
  # A lock of its own: the default shared lock exists for developers installing into one venv at a time.
  PIP_LOCK="$logs/$name.lock" bash "$script" >"$logs/$name.log" 2>&1 &
  pids+=("$!:$name")
done
failed=0
for entry in "${pids[@]}"; do
  pid=${entry%%:*}
  name=${entry#*:}
  if wait "$pid"; then status=ok; else status=FAILED; failed=1; fi
  echo "== $name: $status"
  grep -v "is ignored: it is neither" "$logs/$name.log" | tail -n 20 || true
done
rm -rf "$logs"
[ "$failed" -eq 0 ] || { echo "an environment failed to build" >&2; exit 1; }

# OpenRLHF's own argument parser checks the launchers' dry-run commands. Its training code needs CUDA and its
# dependency list pulls a CUDA torch, so only the package itself goes in (a 200 kB wheel).
if ! .venv/bin/pip show openrlhf >/dev/null 2>&1; then
  .venv/bin/pip install --quiet --no-deps "openrlhf==0.11.2"
fi
