'use strict';
// common.js - tiny helpers shared by the kit scripts.
//  * emit(): one JSON object per line on stdout (the only thing written to stdout).
//  * peer(): require a peer package from the kit's node_modules
//    ($LWM2M_PEERS_NODE_MODULES, else ./node_modules beside this file).
//  * fail(): print an error event and exit non-zero.
const path = require('path');

const NODE_MODULES = path.resolve(process.env.LWM2M_PEERS_NODE_MODULES ||
                                  path.join(__dirname, 'node_modules'));

function emit(event, fields) {
  process.stdout.write(JSON.stringify(Object.assign({ event }, fields || {})) + '\n');
}

function fail(message, code) {
  emit('error', { message: String(message && message.message || message) });
  process.exit(code || 1);
}

// Resolve `name` (e.g. 'coap-node' or 'lwm2m-node-lib/lib/services/server/coapUtils')
// starting from the parent of NODE_MODULES, so NODE_MODULES/<name> is found first.
function peer(name) {
  return require(require.resolve(name, { paths: [path.dirname(NODE_MODULES)] }));
}

function peerDir(name) {
  return path.dirname(require.resolve(name + '/package.json', { paths: [path.dirname(NODE_MODULES)] }));
}

function portArg(v, what) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`bad ${what}: ${v}`, 2);
  return n;
}

// Minimal LwM2M TLV decoder (OMA-TS-LightweightM2M-V1_0 6.4.3) used to show
// decoded values next to hex dumps.  Returns [{type, id, value|children}].
function decodeTlv(buf) {
  const out = [];
  let i = 0;
  const TYPES = ['object-instance', 'resource-instance', 'multiple-resource', 'resource'];
  while (i < buf.length) {
    const t = buf[i++];
    const type = TYPES[(t >> 6) & 3];
    const id = (t & 0x20) ? buf.readUInt16BE(i) : buf[i];
    i += (t & 0x20) ? 2 : 1;
    let len;
    const lt = (t >> 3) & 3;
    if (lt === 0) len = t & 7;
    else { len = buf.readUIntBE(i, lt); i += lt; }
    const v = buf.subarray(i, i + len);
    i += len;
    if (type === 'object-instance' || type === 'multiple-resource') out.push({ type, id, children: decodeTlv(v) });
    else out.push({ type, id, hex: v.toString('hex') });
  }
  return out;
}

module.exports = { emit, fail, peer, peerDir, portArg, decodeTlv, NODE_MODULES };
