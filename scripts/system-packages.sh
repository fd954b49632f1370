#!/bin/sh
# Install the Debian/Ubuntu packages the workbook needs when they are missing, so `make run` and `make test` work on a
# fresh machine: as root through apt-get; otherwise one message with the exact command. Usage: system-packages.sh PKG...
#   wordnet-base  WordNet 3.0 offline (contrast-set generator, synonym augmentation)
#   chromium      headless browser for the browser tests (driven by Playwright; never a downloaded browser)
set -eu
missing=""
for pkg in "$@"; do
  case "$pkg" in
    wordnet-base) [ -f /usr/share/wordnet/data.noun ] || missing="$missing $pkg" ;;
    chromium) [ -x /usr/bin/chromium ] || missing="$missing $pkg" ;;
    *) echo "scripts/system-packages.sh: no rule for package '$pkg'" >&2; exit 2 ;;
  esac
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing system package(s):$missing, and this machine has no apt-get. Install them with its package manager" \
       "(WordNet 3.0 under /usr/share/wordnet, chromium at /usr/bin/chromium), then rerun." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing system package(s):$missing. Install them, then rerun:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "installing system package(s):$missing (apt-get) ..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
