// The node baseline for bench/run: a plain `ws` (npm) echo and broadcast server.
//
//   - a text message is echoed to its sender;
//   - a text message starting with "PUB " is sent (without the prefix) to every
//     other open connection;
//   - binary messages are echoed as binary.
//
// usage: node server.js [--port N] [--ready-file F] [--deflate] [--max-seconds S]
// --port 0 (the default) picks a free port; the ready file receives
// {"pid": N, "ws": PORT} (written to a temp file, then renamed).
// Listens on 127.0.0.1 only. Stop it with SIGTERM; it exits by itself after
// --max-seconds (default 900) so that a dead driver cannot leave it behind.
'use strict';

const fs = require('fs');
const path = require('path');
const { WebSocketServer } = require(path.join(__dirname, 'node_modules', 'ws'));

let port = 0;
let readyFile = null;
let deflate = false;
let maxSeconds = 900;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--port') port = Number(argv[++i]);
  else if (argv[i] === '--ready-file') readyFile = argv[++i];
  else if (argv[i] === '--deflate') deflate = true;
  else if (argv[i] === '--max-seconds') maxSeconds = Number(argv[++i]);
  else {
    console.error('usage: node server.js [--port N] [--ready-file F] [--deflate] [--max-seconds S]');
    process.exit(2);
  }
}

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  backlog: 4096,
  maxPayload: 1 << 20,
  // Same as wshost: off by default; when on, no context takeover on the server side.
  perMessageDeflate: deflate ? { serverNoContextTakeover: false, clientNoContextTakeover: true } : false,
});

const PUB = Buffer.from('PUB ');

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.length >= 4 && data.compare(PUB, 0, 4, 0, 4) === 0) {
      const out = data.subarray(4);
      for (const client of wss.clients)
        if (client !== ws && client.readyState === 1) client.send(out, { binary: false });
      return;
    }
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', () => {});
});

wss.on('listening', () => {
  const bound = wss.address().port;
  if (readyFile) {
    const tmp = `${readyFile}.tmp.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, ws: bound }) + '\n');
    fs.renameSync(tmp, readyFile);
  }
  console.error(`node ws ${require(path.join(__dirname, 'node_modules', 'ws', 'package.json')).version}: listening on 127.0.0.1:${bound}`);
});

wss.on('error', (err) => {
  console.error(`node ws: ${err.message}`);
  process.exit(1);
});

process.on('SIGTERM', () => process.exit(0));
if (maxSeconds > 0) setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
