#!/usr/bin/env bash
# Makes sure the system programs Media Fill's demo, tests and `make run` use are installed:
#   espeak-ng (the offline speech provider), lame and sox (MP3 encoding, audio conversion), xvfb + xauth and two xcb
#   libraries (the real Anki window on a machine without a screen).
# As root on Debian/Ubuntu it installs what is missing (one `apt-get update` first); otherwise it
# prints the exact command to run. Safe to run again: it does nothing when all are present.
set -euo pipefail

packages=(espeak-ng lame sox libsox-fmt-base xvfb xauth libxcb-icccm4 libxcb-keysyms1)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  # Not Debian/Ubuntu: only the programs matter.
  need=()
  for cmd in espeak-ng lame; do command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd"); done
  [ ${#need[@]} -eq 0 ] && exit 0
  echo "Media Fill needs these programs on PATH: ${need[*]} (macOS: brew install ${need[*]})" >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Media Fill needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
