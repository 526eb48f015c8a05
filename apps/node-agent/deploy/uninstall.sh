#!/bin/sh
# Stops and removes the vigil-agent service and its bundle. The config (/etc/vigil/agent.yaml,
# agent.env), the state (/var/lib/vigil-agent: the node id) and the account stay, so a later
# install is the same node again; --purge removes them too.
#
#   sudo sh uninstall.sh [--purge] [--root DIR]
set -eu

root=''
purge=false

die() {
  echo "uninstall.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --purge) purge=true ;;
    --root)
      [ $# -ge 2 ] || die "--root needs a value"
      root=$(cd "$2" && pwd) || die "no such directory: $2"
      shift
      ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' && exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || die "run as root"

unit=$root/etc/systemd/system/vigil-agent.service
if [ -n "$root" ]; then
  if [ -f "$unit" ] && command -v systemctl >/dev/null; then systemctl --root="$root" --quiet disable vigil-agent.service; fi
elif [ -d /run/systemd/system ]; then
  systemctl disable --quiet --now vigil-agent.service 2>/dev/null || true
fi
rm -f "$unit"
rm -rf "$root/usr/lib/vigil-agent"
if [ -z "$root" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

if $purge; then
  rm -f "$root/etc/vigil/agent.yaml" "$root/etc/vigil/agent.env"
  rmdir "$root/etc/vigil" 2>/dev/null || true
  rm -rf "$root/var/lib/vigil-agent"
  if [ -z "$root" ]; then
    if getent passwd vigil-agent >/dev/null; then userdel vigil-agent; fi
    if getent group vigil-agent >/dev/null; then groupdel vigil-agent; fi
  else
    if grep -q '^vigil-agent:' "$root/etc/passwd"; then userdel --prefix "$root" vigil-agent; fi
    if grep -q '^vigil-agent:' "$root/etc/group"; then groupdel --prefix "$root" vigil-agent; fi
  fi
  echo "vigil-agent removed with its config, state and account"
else
  echo "vigil-agent removed; kept /etc/vigil and /var/lib/vigil-agent (--purge removes them)"
fi
