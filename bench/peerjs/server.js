// The PeerJS reference server for the Swirl benchmarks: `node server.js PORT`.
// Its concurrent-connection limit (5000 by default) is raised so the idle-hold scenario can
// reach 15k, and the heartbeat timeout is raised past a bench run (clients send no heartbeat).
const { PeerServer } = require("peer");

const port = Number(process.argv[2] || 9000);
PeerServer({
  host: "127.0.0.1",
  port,
  path: "/",
  key: "peerjs",
  concurrent_limit: 100000,
  alive_timeout: 3600000,
  expire_timeout: 5000,
  allow_discovery: false,
});
process.on("SIGTERM", () => process.exit(0));
