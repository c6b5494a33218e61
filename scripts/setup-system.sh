#!/usr/bin/env bash
# Installs the system pieces a fresh Debian bookworm machine lacks for WebGPU without a GPU:
# the Vulkan loader and Mesa 25 lavapipe from bookworm-backports (Dawn rejects Mesa 22).
# Idempotent; skips apt when a usable lavapipe is already there. Needs root (or sudo).
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
APT_DIR=/etc/apt
. "$(dirname "$0")/apt-backports.sh"
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
  if ! apt_has_suite "$APT_DIR" bookworm-backports; then
    # The backports entry comes from the Debian source already configured (a local mirror or
    # proxy keeps working); DEBIAN_MIRROR=URI overrides it.
    if [ -n "${DEBIAN_MIRROR:-}" ]; then
      entry="deb $DEBIAN_MIRROR bookworm-backports main"
    elif ! entry=$(apt_backports_entry "$APT_DIR" bookworm); then
      echo "setup-system: no Debian bookworm source found in $APT_DIR/sources.list or $APT_DIR/sources.list.d/*.list|*.sources" >&2
      echo "  (looked for an enabled 'deb' entry for suite 'bookworm' with component 'main');" >&2
      echo "  add your mirror's bookworm entry, or rerun with DEBIAN_MIRROR=http://your.mirror/debian" >&2
      exit 1
    fi
    case "$entry" in deb\ *) target=bookworm-backports.list;; *) target=bookworm-backports.sources;; esac
    echo "system setup: adding $APT_DIR/sources.list.d/$target:"; echo "$entry" | sed 's/^/  /'
    echo "$entry" | $SUDO tee "$APT_DIR/sources.list.d/$target" >/dev/null
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
fi
# The C toolchain of the WebAssembly SIMD FFT (scripts/build-wasm.sh): only to rebuild it, or
# for the test that checks the committed .wasm equals a fresh build (CI sets it).
if [ "${WITH_WASM_TOOLCHAIN:-0}" = 1 ] && ! { command -v clang-16 && command -v wasm-ld-16; } >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang-16 lld-16 >/dev/null
fi
if [ "${WITH_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# WITH_SLURM=1: a one-node SLURM cluster for the scale-out tests (scripts/slurm-local.sh starts it).
if [ "${WITH_SLURM:-0}" = 1 ] && { ! command -v sbatch >/dev/null || [ ! -x /usr/sbin/munged ] || [ ! -x /usr/sbin/slurmctld ]; }; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null
fi
echo "system setup: $(dpkg-query -W -f='mesa-vulkan-drivers ${Version}' mesa-vulkan-drivers)"
