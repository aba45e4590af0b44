#!/usr/bin/env bash
# Sets agentbox up on a Debian/Ubuntu machine and shows it at work:
#   1. installs the system packages it needs when they are missing (bubblewrap for the sandboxes,
#      gcc and libc headers for the sandbox init, iproute2 and nftables for sandbox networks,
#      debootstrap for templates, ripgrep, git, python3, curl, openssl,
#      and PostgreSQL for the test suite),
#   2. checks for a JDK 21 or newer (and tries apt's openjdk-21-jdk-headless when there is none),
#      and, with --deps-only, installs the test suite's pinned npm packages (test-deps/install.sh)
#      and chromium (the web console's browser tests),
#   3. builds agentbox and runs `agentbox demo`.
# Options: --deps-only (steps 1 and 2 only; what .ci/run uses).
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
deps_only=false
[ "${1:-}" = "--deps-only" ] && deps_only=true

say() { printf 'setup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

apt_updated=false
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing: $* (run as root, or install them: apt-get install $*)"
    sudo_cmd=(sudo)
  else
    sudo_cmd=()
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing: $*, and there is no apt-get here to install them with"
  if [ "$apt_updated" = false ]; then
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=true
  fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# command:package pairs; bubblewrap is what every sandbox runs in
missing=()
for pair in bwrap:bubblewrap gcc:gcc debootstrap:debootstrap rg:ripgrep git:git python3:python3 curl:curl; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
# networked sandboxes: ip and nft wire each sandbox's network namespace to the egress; the tests'
# small internet uses ip netns, openssl (its CA) and setpriv (util-linux)
for pair in ip:iproute2 nft:nftables openssl:openssl setpriv:util-linux; do
  tool=${pair%%:*}
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || [ -x "/sbin/$tool" ] || missing+=("${pair#*:}")
done
# the sandbox init is linked statically against libc
[ -f /usr/include/stdio.h ] || missing+=(libc6-dev)
# the test suite runs the server on PostgreSQL too (its tests start a throwaway cluster from these binaries)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing what agentbox needs: ${missing[*]}"
  case " ${missing[*]} " in
    *" bubblewrap "*) say "(bubblewrap runs every sandbox: namespaces, a read-only root and no host secrets)" ;;
  esac
  apt_install "${missing[@]}"
fi

if ! java_home=$("$repo/bin/find-jdk" 2>/dev/null); then
  say "no JDK 21 or newer found; trying apt's openjdk-21-jdk-headless"
  apt_install openjdk-21-jdk-headless || true
  java_home=$("$repo/bin/find-jdk" 2>/dev/null) \
    || die "no JDK 21 or newer: install one (e.g. Temurin 21 under /usr/lib/jvm) or set JAVA_HOME, then run ./setup.sh again"
fi
say "JDK: $java_home"

if [ "$deps_only" = true ]; then
  # the test suite runs real MCP servers and clients and the official E2B SDK from npm
  # (test-deps/*/, pinned by their locks);
  # any node >= 18 does, so a newer one already here is kept
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "installing node and npm for the test suite's MCP servers and clients"
    apt_install nodejs npm
  fi
  # the web console's end-to-end tests drive a real headless Chromium over the DevTools protocol
  if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    say "installing chromium for the web console's browser tests"
    apt_install chromium
  fi
  # E2B's code interpreter (runCode) runs a real IPython kernel inside sandboxes of the host template
  if ! /usr/bin/python3 -c 'import ipykernel, jupyter_client' >/dev/null 2>&1; then
    say "installing python3-ipykernel for the code interpreter's tests"
    apt_install python3-ipykernel python3-jupyter-client
  fi
  "$repo/test-deps/install.sh"
  exit 0
fi

# bin/agentbox builds the jar on first use ("building agentbox…"), then the demo runs.
exec "$repo/bin/agentbox" demo
