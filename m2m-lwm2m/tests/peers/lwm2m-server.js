'use strict';
// lwm2m-server.js PORT [TIMEOUT_S] [--resource-only] [--wait-deregister] [--linger=S]
// Run with: node -r ./force-loopback.js lwm2m-server.js 5683
//
// An lwm2m-node-lib@1.4.0 LwM2M server on 127.0.0.1:PORT with the in-memory
// device registry (no MongoDB).  For the first device that registers it
//   1. prints {"event":"registered","endpoint":..,"links":..,"lifetime":..}
//   2. reads /3/0/0 and /3303/0/5700 with the library's read() (Accept
//      text/plain) and prints {"event":"read","path":"/3/0/0","value":...}
//   3. reads /3/0 with Accept 11542 (TLV) and 11543 (JSON), sent exactly the way
//      the library sends its own requests (through its CoAP server socket),
//      and prints {"event":"read","path":"/3/0","accept":11542,"ok":..,"code":..,
//      "content_format":..,"payload_hex":..,"value":decoded}; ok = 2.05 with
//      Content-Format == Accept.  (The library's read() itself ignores the
//      Content-Format of the answer: /3/0/0 values are printed as text.)
// Exits 0 when the required reads succeeded: /3/0/0 always, and /3/0 in TLV
// unless --resource-only (lwm2m-node-lib's own client cannot read instances).
// With --wait-deregister it then waits for the device's De-register
// ({"event":"deregistered"}) before exiting 0; with --linger=S it keeps
// serving (Update/De-register) S seconds after the reads, then exits 0.
// Exit 1 on any failure or
// when TIMEOUT_S (default 30) expires.
const { emit, fail, peer, peerDir, portArg, decodeTlv } = require('./common');

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const port = portArg(args[0], 'PORT');
const timeoutS = Number(args[1]) || 30;
const lingerFlag = [...flags].find((f) => f.startsWith('--linger='));
const lingerS = lingerFlag ? Number(lingerFlag.split('=')[1]) : 0;

// keep stdout for JSON lines: the library logs through logops (stdout by default)
const logger = require(require.resolve('logops', { paths: [peerDir('lwm2m-node-lib')] }));
logger.setStream(process.stderr);
logger.setLevel(process.env.LWM2M_LOG_LEVEL || 'FATAL');

const lwm2mServer = peer('lwm2m-node-lib').server;
const coapUtils = peer('lwm2m-node-lib/lib/services/server/coapUtils');

// Content-Format names <-> numbers (registered into the library's coap 0.22).
const FORMATS = [
  { name: 'text/plain', value: 0 },
  { name: 'application/link-format', value: 40 },
  { name: 'application-vnd-oma-lwm2m/text', value: 1541 },   // library defaults (draft numbers)
  { name: 'application-vnd-oma-lwm2m/tlv', value: 1542 },
  { name: 'application-vnd-oma-lwm2m/json', value: 1543 },
  { name: 'application-vnd-oma-lwm2m/opaque', value: 1544 },
  { name: 'application/vnd.oma.lwm2m+tlv', value: 11542 },   // LwM2M 1.0 registered numbers
  { name: 'application/vnd.oma.lwm2m+json', value: 11543 },
  // LwM2M 1.1 numbers: registered only so that a response carrying them does
  // not crash the library (coap 0.22 throws on any unregistered Content-Format).
  { name: 'application/senml+json', value: 110 },
  { name: 'application/senml+cbor', value: 112 },
  { name: 'application/vnd.oma.lwm2m+cbor', value: 11544 },
];
const cfNumber = (name) => { const f = FORMATS.find((x) => x.name === name); return f ? f.value : (name === undefined ? null : name); };

const config = {
  port,
  lifetimeCheckInterval: 1000,
  udpWindow: 100,
  defaultType: 'Device',
  logLevel: process.env.LWM2M_LOG_LEVEL || 'FATAL',
  ipProtocol: 'udp4',
  serverProtocol: 'udp4',
  formats: FORMATS.filter((f) => f.value !== 0 && f.value !== 40),
  writeFormat: 'application-vnd-oma-lwm2m/text',
  defaultAcceptFormat: 'text/plain',   // Accept sent by the library's read()
};

// e.g. coap 0.22's "No matching format found" for an unknown Content-Format is
// thrown from the socket handler: report it as a JSON error line, exit 1.
process.on('uncaughtException', (e) => fail('uncaught exception: ' + (e && e.message)));

const killTimer = setTimeout(() => fail(`timeout after ${timeoutS}s`), timeoutS * 1000);
let handled = false;
let readsOk = false;

const pRead = (id, o, i, r) => new Promise((res) =>
  lwm2mServer.read(id, o, i, r, (err, value) => res({ err, value })));

// GET `path` with an Accept option, sent like the library's own reads: to its
// own server socket with a Proxy-Uri, which forwards it from the server port.
// lwm2m-node-lib's own client silently drops requests whose Accept it does not
// know, so give up after RAW_READ_TIMEOUT_MS instead of waiting ~4 minutes for
// the CoAP retransmissions to end.
const RAW_READ_TIMEOUT_MS = 5000;
const rawGet = (device, path, acceptName) => new Promise((res) => {
  const t = setTimeout(() => res({ err: new Error('no response within ' + RAW_READ_TIMEOUT_MS + ' ms') }), RAW_READ_TIMEOUT_MS);
  coapUtils.sendRequest({
    host: '127.0.0.1', port, method: 'GET',
    proxyUri: `coap://${device.address}:${device.port}`,
    pathname: path, options: { Accept: acceptName },
  }, (err, r) => { clearTimeout(t); res({ err, r }); });
});

async function doReads(device) {
  let required = true;
  for (const [o, i, r] of [[3, 0, 0], [3303, 0, 5700]]) {
    const { err, value } = await pRead(device.id, o, i, r);
    const path = `/${o}/${i}/${r}`;
    if (err) { emit('read', { path, ok: false, error: err.name || String(err) }); if (path === '/3/0/0') required = false; }
    else emit('read', { path, ok: true, accept: 0, value });
  }
  for (const accept of [11542, 11543]) {
    const { err, r } = await rawGet(device, '/3/0', FORMATS.find((f) => f.value === accept).name);
    if (err) { emit('read', { path: '/3/0', accept, ok: false, error: String(err.message || err) }); if (accept === 11542 && !flags.has('--resource-only')) required = false; continue; }
    const payload = r.payload || Buffer.alloc(0);
    const cf = cfNumber(r.headers && r.headers['Content-Format']);
    const ev = { path: '/3/0', accept, ok: r.code === '2.05' && cf === accept, code: r.code, content_format: cf, payload_hex: payload.toString('hex') };
    try {
      if (cf === 11542 || cf === 1542) ev.value = decodeTlv(payload);
      else if (cf === 11543 || cf === 1543) ev.value = JSON.parse(payload.toString());
      else ev.value = payload.toString();
    } catch (e) { ev.decode_error = e.message; }
    emit('read', ev);
    if (accept === 11542 && !ev.ok && !flags.has('--resource-only')) required = false;
  }
  return required;
}

lwm2mServer.start(config, (error, serverInfo) => {
  if (error) return fail(error);
  emit('listening', { address: `127.0.0.1:${port}` });

  lwm2mServer.setHandler(serverInfo, 'registration', (endpoint, lifetime, version, binding, payload, callback) => {
    callback();   // lets the library answer 2.01 Created before we start reading
    lwm2mServer.getDevice(endpoint, (err, device) => {
      emit('registered', { endpoint, lifetime: lifetime === undefined ? null : lifetime,
        version: version === undefined ? null : version, binding: binding === undefined ? null : binding,
        links: payload, location: device ? `/rd/${device.id}` : null,
        address: device ? `${device.address}:${device.port}` : null });
      if (err || handled) return;
      handled = true;
      setTimeout(() => doReads(device).then((ok) => {
        readsOk = ok;
        emit('reads-done', { ok });
        if (!ok) fail('required read failed');
        if (lingerS > 0) { clearTimeout(killTimer); setTimeout(() => process.exit(0), lingerS * 1000); }
        else if (!flags.has('--wait-deregister')) process.exit(0);
      }), 200);
    });
  });

  lwm2mServer.setHandler(serverInfo, 'updateRegistration', (device, payload, callback) => {
    emit('update', { endpoint: device.name, lifetime: device.lifetime, links: payload });
    callback();
  });

  lwm2mServer.setHandler(serverInfo, 'unregistration', (device, callback) => {
    emit('deregistered', { endpoint: device && device.name });
    callback();
    if (readsOk && flags.has('--wait-deregister')) { clearTimeout(killTimer); setTimeout(() => process.exit(0), 100); }
  });
});

process.on('SIGTERM', () => { emit('stopping', { signal: 'SIGTERM' }); process.exit(readsOk ? 0 : 1); });
