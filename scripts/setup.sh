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
# dbus/ifupdown2/netplan.io: real network managers inside lab hosts (`lab up --manager ...`; systemd-networkd
# comes with systemd). ufw/firewalld: real host firewalls inside lab hosts, each on the host's private /etc
# (both stay disabled on this machine). fping: the lab's overlay mesh check (one process per host, not per pair)
# and the health round's probes. strace: bench:health counts the processes a round starts on a host.
# Installed with --no-install-recommends; they only configure lab hosts.
APT_PACKAGES=(chromium openssh-server openssh-client iproute2 nftables iputils-ping fping procps util-linux kmod sudo openssl iptables dbus ifupdown2 netplan.io ufw firewalld strace)
# A machine whose own network is run by classic ifupdown keeps it: ifupdown2 would replace it, so the
# lab's ifupdown2 hosts (and their tests) are then unavailable, with a message saying so.
if dpkg-query -W -f='${Status}' ifupdown 2>/dev/null | grep -q "install ok installed"; then
  echo "setup: classic ifupdown runs this machine's network; not replacing it with ifupdown2 (lab hosts with --manager ifupdown2 are unavailable)"
  APT_PACKAGES=("${APT_PACKAGES[@]/ifupdown2/}")
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [ -n "$p" ] || continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  $SUDO apt-get update -qq
  # No service of these packages may start on this machine (dbus, ifupdown2's networking): they serve
  # lab hosts only. Debian's policy-rc.d convention (exit 101 = "do not start") holds while apt runs,
  # unless the machine already has a policy of its own.
  # firewalld would firewall this machine itself once started: on a systemd machine its unit is masked
  # first (systemd does not consult policy-rc.d everywhere), so installing it starts nothing.
  if [[ " ${missing[*]} " == *" firewalld "* ]] && [ -d /run/systemd/system ]; then $SUDO systemctl mask firewalld.service; fi
  policy_made=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    policy_made=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
  if [ -n "$policy_made" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  if [ "$status" != 0 ]; then exit "$status"; fi
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
