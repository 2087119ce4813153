#!/usr/bin/env bash
# Makes sure Nix is installed, configured for nixmake (sandbox on, no
# substituters, the host toolchain visible in the sandbox) and that
# nix-daemon is running. Safe to run again: it changes only what is missing.
# Needs root for the install and the daemon; as another user it only checks.
set -euo pipefail

NIX_CONF=/etc/nix/nix.conf
LOG=/var/log/nix-daemon.log

say() { printf 'nixmake setup: %s\n' "$*" >&2; }

if ! command -v nix-store >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then say "Nix is not installed; run this script as root"; exit 1; fi
  say "installing Nix (Debian package nix-bin)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nix-bin procps >/dev/null
fi

# The settings nixmake relies on. Lines for these keys are replaced; others are kept.
sandbox_paths=""
for p in /usr /bin /lib /lib64 /lib32 /libx32; do
  [ -e "$p" ] && sandbox_paths="$sandbox_paths $p"
done
wanted="# nixmake: begin (managed by scripts/nix-daemon.sh)
build-users-group = nixbld
sandbox = true
sandbox-fallback = false
extra-sandbox-paths =${sandbox_paths}
substituters =
keep-derivations = true
# nixmake: end"

changed=0
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$(dirname "$NIX_CONF")"
  touch "$NIX_CONF"
  current=$(sed -n '/^# nixmake: begin/,/^# nixmake: end/p' "$NIX_CONF")
  if [ "$current" != "$wanted" ]; then
    keys='^(build-users-group|sandbox|sandbox-fallback|extra-sandbox-paths|substituters|keep-derivations)[[:space:]]*='
    { sed '/^# nixmake: begin/,/^# nixmake: end/d' "$NIX_CONF" | grep -Ev "$keys" || true; printf '%s\n' "$wanted"; } > "$NIX_CONF.new"
    mv "$NIX_CONF.new" "$NIX_CONF"
    changed=1
    say "wrote nixmake settings to $NIX_CONF"
  fi
  if ! getent group nixbld >/dev/null; then say "group nixbld is missing (reinstall nix-bin)"; exit 1; fi
fi

daemon_pid() { pgrep -x nix-daemon | head -n 1 || true; }

if [ -n "$(daemon_pid)" ] && [ "$changed" -eq 1 ]; then
  say "restarting nix-daemon to apply the new settings"
  pkill -x nix-daemon || true
  for _ in $(seq 50); do [ -z "$(daemon_pid)" ] && break; sleep 0.1; done
fi

if [ -z "$(daemon_pid)" ]; then
  if [ "$(id -u)" -ne 0 ]; then say "nix-daemon is not running; start it as root: $0"; exit 1; fi
  say "starting nix-daemon (log: $LOG)"
  nohup setsid nix-daemon >>"$LOG" 2>&1 </dev/null &
fi

for _ in $(seq 100); do
  if NIX_REMOTE=daemon nix-store --gc --print-roots >/dev/null 2>&1; then exit 0; fi
  sleep 0.1
done
say "nix-daemon does not answer; see $LOG"
exit 1
