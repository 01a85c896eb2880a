'use strict';
// lwm2m-client.js ENDPOINT SERVER_PORT
// Run with: node -r ./force-loopback.js lwm2m-client.js ep2 5683
//
// An lwm2m-node-lib@1.4.0 LwM2M *client* that registers to
// 127.0.0.1:SERVER_PORT with
//   /3/0     0 Manufacturer "m2m-test", 1 Model "lwm2m-node-lib-1.4.0",
//            2 Serial "SN-0002", 3 Firmware "1.0"
//   /3303/0  5700 Sensor Value 21.5, 5701 Units "Cel"
// and answers Reads (single resources only, as plain text: a limitation of the
// library).  Prints {"event":"registered",...}, one {"event":"read",...} per
// Read served, and on SIGTERM/SIGINT de-registers and exits 0 (3 when the
// De-register fails, 1 when the Register fails).
// Env: LWM2M_CLIENT_LIFETIME (s, default 86400), REGISTER_TIMEOUT_S (default 30).
const { emit, fail, peer, peerDir, portArg } = require('./common');

const [endpoint, serverPortArg] = process.argv.slice(2);
if (!endpoint || !serverPortArg) fail('usage: lwm2m-client.js ENDPOINT SERVER_PORT', 2);
const serverPort = portArg(serverPortArg, 'SERVER_PORT');

const logger = require(require.resolve('logops', { paths: [peerDir('lwm2m-node-lib')] }));
logger.setStream(process.stderr);
logger.setLevel(process.env.LWM2M_LOG_LEVEL || 'FATAL');

const client = peer('lwm2m-node-lib').client;

const config = {
  client: {
    lifetime: process.env.LWM2M_CLIENT_LIFETIME || '86400',
    version: '1.0',
    logLevel: process.env.LWM2M_LOG_LEVEL || 'FATAL',
    observe: { period: 3000 },
    ipProtocol: 'udp4',
    serverProtocol: 'udp4',
    formats: [{ name: 'lightweightm2m/text', value: 1541 }],
    writeFormat: 'lightweightm2m/text',
  },
};

const RESOURCES = {
  '/3/0': { 0: 'm2m-test', 1: 'lwm2m-node-lib-1.4.0', 2: 'SN-0002', 3: '1.0' },
  '/3303/0': { 5700: 21.5, 5701: 'Cel' },
};

function step(fn, ...a) { return new Promise((res, rej) => fn(...a, (err, v) => (err ? rej(err) : res(v)))); }

let deviceInfo = null;

async function main() {
  client.init(config);
  for (const [uri, res] of Object.entries(RESOURCES)) {
    await step(client.registry.create, uri);
    for (const [rid, value] of Object.entries(res)) await step(client.registry.setResource, uri, rid, value);
  }
  const regTimer = setTimeout(() => fail('register timeout'), (Number(process.env.REGISTER_TIMEOUT_S) || 30) * 1000);
  deviceInfo = await step(client.register, '127.0.0.1', serverPort, null, endpoint);
  clearTimeout(regTimer);
  const si = deviceInfo.serverInfo;
  client.setHandler(si, 'read', (objectType, objectId, resourceId, value, callback) => {
    emit('read', { path: `/${objectType}/${objectId}/${resourceId}`, value: String(value) });
    callback(null, value);
  });
  client.setHandler(si, 'write', (objectType, objectId, resourceId, value, callback) => {
    emit('write', { path: `/${objectType}/${objectId}/${resourceId}`, value: String(value) });
    callback(null);
  });
  client.setHandler(si, 'execute', (objectType, objectId, resourceId, value, callback) => {
    emit('execute', { path: `/${objectType}/${objectId}/${resourceId}`, args: String(value) });
    callback(null);
  });
  emit('registered', { endpoint, server: `127.0.0.1:${serverPort}`, location: deviceInfo.location,
    local_port: deviceInfo.localPort, lifetime: Number(config.client.lifetime) });
}

main().catch(fail);

process.on('uncaughtException', (e) => fail('uncaught exception: ' + (e && e.message)));

let stopping = false;
function stop(sig) {
  if (stopping) return;
  stopping = true;
  emit('stopping', { signal: sig });
  if (!deviceInfo) process.exit(0);
  const t = setTimeout(() => { emit('error', { message: 'deregister timeout' }); process.exit(3); }, 5000);
  client.unregister(deviceInfo, (err) => {
    clearTimeout(t);
    if (err) { emit('error', { message: String(err.message || err) }); process.exit(3); }
    emit('deregistered', {});
    process.exit(0);
  });
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
