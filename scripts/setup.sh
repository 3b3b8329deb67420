#!/usr/bin/env bash
# Installs everything VXLAN Studio needs on a fresh Debian/Ubuntu machine: system packages for the
# local lab and the browser tests, then the exact npm dependencies from package-lock.json, then the
# built CLI (dist/cli).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# chromium: e2e tests (never `playwright install`); openssh-server/iproute2/nftables/iputils-ping:
# the network-namespace lab (real sshd, real kernel VXLAN driver, real firewall); procps/util-linux:
# ps, kill, unshare, flock; sudo/openssl: the lab's non-root users (real `sudo -n`, password hashes);
# iptables: the firewall diagnosis and fixes are tested against real iptables (legacy and nft backends);
# ufw: enabled inside lab hosts only, on each host's private /etc (the package leaves it disabled here).
APT_PACKAGES=(chromium openssh-server openssh-client iproute2 nftables iputils-ping procps util-linux kmod sudo openssl iptables ufw)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# firewalld: the lab runs it inside lab hosts only (their own D-Bus and /etc; see
# electron/core/lab/firewalls.ts). Debian starts a service on install, which would firewall this
# machine itself: on a systemd machine the unit is masked first, so installing it starts nothing.
if ! dpkg-query -W -f='${Status}' firewalld 2>/dev/null | grep -q "install ok installed"; then
  if [ -d /run/systemd/system ]; then $SUDO systemctl mask firewalld.service; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends firewalld dbus-daemon
fi

# Vite 8 does not install with npm 10.
if [ "$(npm --version | cut -d. -f1)" = "10" ]; then
  echo "setup: upgrading npm 10 -> 11"
  $SUDO npm install -g npm@11
fi

# npm ci builds the CLI through the prepare script; --if-stale builds it here when npm skipped
# scripts (ignore-scripts), so `npx vxlan-studio` runs bundled JavaScript either way.
npm ci --no-audit --no-fund
node scripts/build-cli.mjs --if-stale
echo "setup: done"
