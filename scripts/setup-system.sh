#!/usr/bin/env bash
# Installs the system pieces a fresh Debian bookworm machine lacks for WebGPU without a GPU:
# the Vulkan loader and Mesa 25 lavapipe from bookworm-backports (Dawn rejects Mesa 22).
# Idempotent; skips apt when a usable lavapipe is already there. Needs root (or sudo).
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
have_lvp() {
  local f
  for f in /usr/share/vulkan/icd.d/lvp_icd*.json; do
    [ -f "$f" ] || continue
    # backports Mesa is >= 24; bookworm's own 22.x is rejected by Dawn
    local v; v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)
    case "$v" in 2[4-9].*|[3-9][0-9].*) return 0;; esac
  done
  return 1
}
if ! have_lvp || ! ldconfig -p | grep -q libvulkan.so.1; then
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
fi
if [ "${WITH_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
echo "system setup: $(dpkg-query -W -f='mesa-vulkan-drivers ${Version}' mesa-vulkan-drivers)"
