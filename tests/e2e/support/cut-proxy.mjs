// A loopback TCP relay in front of the server whose connections the test can cut: `cut()`
// resets every relayed connection (the browser sees its WebSocket drop with 1006, the server
// sees the peer vanish) and refuses new ones until `restore()`. This is a real network drop
// for the page; Chromium's offline emulation does not close WebSockets that are already open.

import net from 'node:net';
import { once } from 'node:events';

export class CutProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.open = true;
    this.pairs = new Set();
    this.server = net.createServer((client) => this.relay(client));
  }

  async listen() {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = this.server.address().port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  relay(client) {
    if (!this.open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every relayed connection with a TCP reset and refuses new ones. Returns how many. */
  cut() {
    this.open = false;
    const n = this.pairs.size;
    for (const { client, upstream } of [...this.pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
    return n;
  }

  restore() {
    this.open = true;
  }

  async close() {
    this.cut();
    this.server.close();
    await once(this.server, 'close');
  }
}
