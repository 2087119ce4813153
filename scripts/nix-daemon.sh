#!/usr/bin/env bash
# Makes sure Nix is installed and a nix-daemon is running, and otherwise
# leaves a user's Nix alone. Safe to run again.
#
# - Nix missing (a fresh Debian machine): installs nix-bin, appends a marked
#   block to /etc/nix/nix.conf with only what such a machine needs (the
#   sandbox on, build users, no substituters: nixmake needs no binary cache,
#   and these machines are offline), and starts nix-daemon.
# - A daemon already running: changes nothing (not nix.conf, not the
#   daemon); if its nix.conf turns the sandbox off, says what to change.
# - Nix installed but no daemon running: starts one. nix.conf is edited only
#   if it holds this script's own marked block (from an earlier run), which
#   is brought up to date.
# nixmake needs no extra-sandbox-paths and no experimental features: the
# toolchain enters builds as store paths.
# Needs root for the install and the daemon; as another user it only checks.
set -euo pipefail

NIX_CONF=${NIX_CONF_DIR:-/etc/nix}/nix.conf
LOG=/var/log/nix-daemon.log
BEGIN='# nixmake: begin (managed by scripts/nix-daemon.sh)'
END='# nixmake: end'

say() { printf 'nixmake setup: %s\n' "$*" >&2; }
# A daemon "runs" when its socket answers (a zombie or a stopped process does not count).
daemon_answers() { NIX_REMOTE=daemon timeout 10 nix-store --gc --print-roots >/dev/null 2>&1; }

wanted="$BEGIN
build-users-group = nixbld
sandbox = true
sandbox-fallback = false
substituters =
$END"

write_block() {
  mkdir -p "$(dirname "$NIX_CONF")"
  touch "$NIX_CONF"
  # Only our own block is replaced; every other line stays (later lines win in nix.conf).
  { sed '/^# nixmake: begin/,/^# nixmake: end/d' "$NIX_CONF"; printf '%s\n' "$wanted"; } > "$NIX_CONF.new"
  if cmp -s "$NIX_CONF.new" "$NIX_CONF"; then rm -f "$NIX_CONF.new"; return; fi
  mv "$NIX_CONF.new" "$NIX_CONF"
  say "wrote nixmake's settings to $NIX_CONF (sandbox on, no substituters)"
}

installed_now=0
if ! command -v nix-store >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then say "Nix is not installed; run this script as root"; exit 1; fi
  say "installing Nix (Debian package nix-bin)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nix-bin procps >/dev/null
  installed_now=1
fi

if command -v nix-store >/dev/null 2>&1 && [ "$installed_now" -eq 0 ] && daemon_answers; then
  # Somebody's Nix, configured and running: leave it as it is.
  if grep -Eq '^[[:space:]]*sandbox[[:space:]]*=[[:space:]]*(false|relaxed)' "$NIX_CONF" 2>/dev/null \
     && ! sed -n '/^# nixmake: begin/,/^# nixmake: end/p' "$NIX_CONF" | grep -q '^sandbox = true'; then
    say "warning: $NIX_CONF turns the sandbox off; nixmake's guarantees need 'sandbox = true' there (then restart nix-daemon)"
  fi
else
  if [ "$(id -u)" -ne 0 ]; then say "nix-daemon is not running; start it as root: $0"; exit 1; fi
  if [ "$installed_now" -eq 1 ] || grep -q '^# nixmake: begin' "$NIX_CONF" 2>/dev/null; then write_block; fi
  if ! getent group nixbld >/dev/null; then say "group nixbld is missing (reinstall nix-bin)"; exit 1; fi
  say "starting nix-daemon (log: $LOG)"
  nohup setsid nix-daemon >>"$LOG" 2>&1 </dev/null &
fi

for _ in $(seq 100); do
  if daemon_answers; then exit 0; fi
  sleep 0.1
done
say "nix-daemon does not answer; see $LOG"
exit 1
