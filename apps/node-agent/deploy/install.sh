#!/bin/sh
# Installs (or upgrades) the Vigil node agent as the systemd service vigil-agent. Safe to run
# again: the bundle and the unit are replaced, /etc/vigil/agent.yaml and the state are kept.
#
#   sudo sh install.sh [--nats-url URL] [--node PATH] [--bundle FILE] [--root DIR]
#
#   --nats-url URL  written to /etc/vigil/agent.env (default: $NATS_URL; needed on first install)
#   --node PATH     the Node.js (>= 22) to run the agent with (default: $NODE, else node on PATH)
#   --bundle FILE   the agent bundle (default: vigil-agent.js beside this script, else ../dist-bundle/)
#   --root DIR      install into DIR as a system root (an image, a test); systemd is not called
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=''
node=${NODE:-}
nats_url=${NATS_URL:-}
bundle=''

die() {
  echo "install.sh: $*" >&2
  exit 1
}

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage && exit 0 ;;
    --nats-url | --node | --bundle | --root) [ $# -ge 2 ] || die "$1 needs a value" ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
  case $1 in
    --nats-url) nats_url=$2 ;;
    --node) node=$2 ;;
    --bundle) bundle=$2 ;;
    --root) root=$(cd "$2" && pwd) || die "no such directory: $2" ;;
  esac
  shift 2
done

[ "$(id -u)" = 0 ] || die "run as root"

if [ -z "$bundle" ]; then
  bundle=$here/vigil-agent.js
  [ -f "$bundle" ] || bundle=$here/../dist-bundle/vigil-agent.js
fi
[ -f "$bundle" ] || die "no agent bundle at $bundle (npm run agent:bundle, or pass --bundle)"
[ -f "$here/vigil-agent.service" ] || die "vigil-agent.service is missing beside this script"
[ -e "$root/etc/vigil/agent.yaml" ] || [ -f "$here/agent.yaml" ] || die "agent.yaml is missing beside this script"

[ -n "$node" ] || node=$(command -v node) || die "Node.js not found: install Node.js >= 22 or pass --node"
# It goes into the unit's ExecStart (through sed): an absolute path of plain characters.
case $node in
  [!/]* | *[!A-Za-z0-9/._+-]*) die "--node must be an absolute path of letters, digits and /._+-: $node" ;;
esac
"$node" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null ||
  die "$node is not Node.js >= 22 ($("$node" --version 2>/dev/null || echo 'not runnable'))"

case $nats_url in
  *[[:space:]\"\'\\]*) die "the NATS URL must not contain spaces, quotes or backslashes" ;;
esac
env_file=$root/etc/vigil/agent.env
[ -n "$nats_url" ] || grep -q '^NATS_URL=' "$env_file" 2>/dev/null || die "no NATS URL: pass --nats-url or set NATS_URL"

# Accounts: the host's name service (LDAP included) normally, the files under --root otherwise.
entry() { # database name
  if [ -z "$root" ]; then getent "$1" "$2"; else grep "^$2:" "$root/etc/$1"; fi
}
prefix() { [ -z "$root" ] || printf '%s\n' --prefix "$root"; }

entry group vigil-agent >/dev/null || groupadd $(prefix) --system vigil-agent
entry passwd vigil-agent >/dev/null ||
  useradd $(prefix) --system --gid vigil-agent --home-dir /var/lib/vigil-agent --no-create-home \
    --shell /usr/sbin/nologin --comment 'Vigil node agent' vigil-agent
uid=$(entry passwd vigil-agent | cut -d: -f3)
gid=$(entry group vigil-agent | cut -d: -f3)

install -d -m 0755 "$root/usr/lib/vigil-agent" "$root/etc/systemd/system"
install -m 0644 "$bundle" "$root/usr/lib/vigil-agent/vigil-agent.js"
install -d -m 0750 -o 0 -g "$gid" "$root/etc/vigil"
install -d -m 0750 -o "$uid" -g "$gid" "$root/var/lib/vigil-agent"

if [ ! -e "$root/etc/vigil/agent.yaml" ]; then
  install -m 0640 -o 0 -g "$gid" "$here/agent.yaml" "$root/etc/vigil/agent.yaml"
fi

# Root only: the NATS URL may carry credentials, and systemd reads the file before dropping privileges.
if [ -n "$nats_url" ]; then
  tmp=$(mktemp "$root/etc/vigil/.agent.env.XXXXXX")
  if [ -f "$env_file" ]; then grep -v '^NATS_URL=' "$env_file" >"$tmp" || true; fi
  printf 'NATS_URL=%s\n' "$nats_url" >>"$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$env_file"
fi

unit=$root/etc/systemd/system/vigil-agent.service
sed "s#^ExecStart=/usr/bin/node #ExecStart=$node #" "$here/vigil-agent.service" >"$unit.tmp"
chmod 0644 "$unit.tmp"
mv "$unit.tmp" "$unit"

if [ -n "$root" ]; then
  if command -v systemctl >/dev/null; then systemctl --root="$root" --quiet enable vigil-agent.service; fi
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl --quiet is-active vigil-agent.service; then
    systemctl enable --quiet vigil-agent.service
    systemctl restart vigil-agent.service
  else
    systemctl enable --quiet --now vigil-agent.service
  fi
else
  echo "install.sh: systemd is not running; start '$(sed -n 's/^ExecStart=//p' "$unit")' with your service manager" >&2
fi
echo "vigil-agent installed ($("$node" --version), bundle $bundle)"
