#!/usr/bin/env bash
# Makes `promtool` available for the monitoring checks (test/monitoring.int.spec.ts): prints the
# path of a working promtool. One on PATH is used as it is; otherwise Debian's `prometheus`
# package is fetched with `apt-get download` (no root, nothing installed system-wide: the
# package would also bring the Prometheus server, its web assets and a service) and only
# usr/bin/promtool is extracted into .cache/bin/ of the repository.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="$root/.cache/bin/promtool"
if command -v promtool >/dev/null 2>&1; then command -v promtool; exit 0; fi
if [ -x "$target" ] && "$target" --version >/dev/null 2>&1; then echo "$target"; exit 0; fi
tmp="$(mktemp -d)"
chmod 755 "$tmp" # apt's sandbox user writes the download there
trap 'rm -rf "$tmp"' EXIT
download() { ( cd "$tmp" && apt-get download prometheus >/dev/null ); }
# A fresh machine may have no package lists yet: update them once (as root) and retry.
download || { apt-get update >/dev/null && download; } || { echo "apt-get download prometheus failed" >&2; exit 1; }
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
mkdir -p "$(dirname "$target")"
install -m 0755 "$tmp/x/usr/bin/promtool" "$target"
"$target" --version >/dev/null
echo "$target"
