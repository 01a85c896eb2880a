'use strict';
// coap-node-client.js ENDPOINT SERVER_PORT [LOCAL_PORT]
// Run with: node -r ./force-loopback.js coap-node-client.js ep1 5683
//
// A coap-node@0.2.5 LwM2M client named ENDPOINT that registers to
// 127.0.0.1:SERVER_PORT with
//   /3/0     Device (coap-node's defaults, Manufacturer/Model/Serial overridden)
//   /4/0     Connectivity Monitoring (always added by coap-node)
//   /3303/0  IPSO Temperature: 5700 Sensor Value 21.5, 5701 Units "Cel"
//   /3303/1  5700 22.5, 5750 Application Type: 1500 letters (a read goes in blocks)
// Prints {"event":"registered",...} once the server answered the Register,
// then serves the server's requests until SIGTERM/SIGINT, deregisters and
// exits 0 (exit 1 if the register fails, 3 if the deregister is not answered).
// Env: CN_LIFETIME (s, default 86400 = coap-node's default),
//      REGISTER_TIMEOUT_S (default 30).
const { emit, fail, peer, peerDir, portArg } = require('./common');

const [endpoint, serverPortArg, localPortArg] = process.argv.slice(2);
if (!endpoint || !serverPortArg) fail('usage: coap-node-client.js ENDPOINT SERVER_PORT [LOCAL_PORT]', 2);
const serverPort = portArg(serverPortArg, 'SERVER_PORT');
const localPort = localPortArg ? portArg(localPortArg, 'LOCAL_PORT') : 0;

// coap-node asks the 'network' package for the active interface and puts the
// MAC into the Register query (mac=...).  Its own test hook
// (npm_lifecycle_event=test) replaces that with ip 127.0.0.1 and
// mac 00:00:00:00:00:00, which keeps the Register request deterministic.
process.env.npm_lifecycle_event = 'test';

const CoapNode = peer('coap-node');
const SmartObject = peer('smartobject');
// the coap (0.17) instance coap-node itself uses
const coap = require(require.resolve('coap', { paths: [peerDir('coap-node')] }));

const so = new SmartObject();
so.init(3303, 0, { 5700: 21.5, 5701: 'Cel' });        // IPSO Temperature
// A second sensor whose Application Type (5750) is 1500 letters: read whole, /3303/1
// is larger than a message, and coap's server sends it in Block2 blocks.
so.init(3303, 1, { 5700: 22.5, 5750: 'abcdefghijklmnopqrstuvwxyz'.repeat(58).slice(0, 1500) });

const cn = new CoapNode(endpoint, so, {
  manuf: 'm2m-test',        // /3/0/0
  model: 'coap-node-0.2.5', // /3/0/1
  serial: 'SN-0001',        // /3/0/2
  firmware: '1.0',          // /3/0/3
  lifetime: Number(process.env.CN_LIFETIME) || 86400,
});

// LOCAL_PORT: make the Register go out from that port.  coap-node then
// listens for server requests on the same port (it re-uses the source port of
// its last Register/Update).  Only the first agent gets the fixed port,
// later ones (Update) must be ephemeral or they would collide with the listener.
if (localPort) {
  const origCreateAgent = cn._createAgent;
  let first = true;
  cn._createAgent = function () {
    if (!first) return origCreateAgent.call(this);
    first = false;
    return new coap.Agent({ type: 'udp4', port: localPort });
  };
}

cn.on('error', (err) => emit('warning', { message: String(err && err.message || err) }));

const regTimer = setTimeout(() => fail('register timeout'), (Number(process.env.REGISTER_TIMEOUT_S) || 30) * 1000);

cn.register('127.0.0.1', serverPort, (err, msg) => {
  clearTimeout(regTimer);
  if (err) return fail(err);
  if (!msg || (msg.status !== '2.01' && msg.status !== '2.04')) return fail('register answered ' + (msg && msg.status));
  emit('registered', {
    endpoint, server: `127.0.0.1:${serverPort}`, status: msg.status,
    location: cn.locationPath, local_port: cn.port, lifetime: cn.lifetime,
  });
});

process.on('uncaughtException', (e) => fail('uncaught exception: ' + (e && e.message)));

let stopping = false;
function stop(sig) {
  if (stopping) return;
  stopping = true;
  emit('stopping', { signal: sig });
  if (!cn._registered) process.exit(0);
  const t = setTimeout(() => { emit('error', { message: 'deregister timeout' }); process.exit(3); }, 5000);
  cn.deregister((err, msg) => {
    clearTimeout(t);
    if (err) { emit('error', { message: String(err.message || err) }); process.exit(3); }
    emit('deregistered', { status: msg && msg.status });
    process.exit(msg && msg.status === '2.02' ? 0 : 3);
  });
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
