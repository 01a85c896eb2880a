'use strict';
// force-loopback.js - preload (`node -r ./force-loopback.js script.js ...`).
//
// Neither coap-node nor lwm2m-node-lib lets the caller pick the local address:
// they call dgram.createSocket('udp4'|'udp6') and socket.bind(port) (or send
// without binding, which binds 0.0.0.0 implicitly).  This preload patches the
// dgram module so that, inside this process:
//   * every 'udp6' socket is created as 'udp4' (IPv4 loopback only);
//   * every bind() - explicit, or the implicit one done by send()/connect() -
//     binds 127.0.0.1, keeping the requested port (0 = ephemeral);
//   * datagrams addressed to '::1', '::', 'localhost' or '0.0.0.0' go to
//     127.0.0.1 instead.
// Set FORCE_LOOPBACK_DEBUG=1 to log each bind to stderr (stdout is reserved
// for the JSON event lines of the kit scripts).
const dgram = require('dgram');

const LOOPBACK = '127.0.0.1';
const debug = process.env.FORCE_LOOPBACK_DEBUG === '1'
  ? (...a) => process.stderr.write('[force-loopback] ' + a.join(' ') + '\n')
  : () => {};

// 1. udp6 -> udp4 at creation time.
const origCreateSocket = dgram.createSocket;
dgram.createSocket = function createSocket(type, listener) {
  if (type === 'udp6') type = 'udp4';
  else if (type && typeof type === 'object' && type.type === 'udp6') {
    type = Object.assign({}, type, { type: 'udp4', ipv6Only: undefined });
  }
  return origCreateSocket.call(this, type, listener);
};

// 2. bind(): normalise all call shapes and force the address.
//    bind([port][, address][, callback]) | bind(options[, callback])
const origBind = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function bind(...args) {
  let cb = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
  let opts;
  if (args[0] !== null && typeof args[0] === 'object') {
    opts = Object.assign({}, args[0]);
    if (opts.fd !== undefined) return origBind.call(this, opts, cb); // fd: leave alone
  } else {
    opts = { port: args[0] === undefined || args[0] === null ? 0 : Number(args[0]) };
  }
  opts.address = LOOPBACK;
  debug('bind', `${LOOPBACK}:${opts.port || 0}`);
  return cb ? origBind.call(this, opts, cb) : origBind.call(this, opts);
};

// 3. Destination rewrite for IPv6/wildcard loopback names.
const REWRITE = new Set(['::1', '::', 'localhost', '0.0.0.0', '::ffff:127.0.0.1']);
const origSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function send(...args) {
  // address is the first string argument after the buffer / offset / length / port
  for (let i = 1; i < args.length; i++) {
    if (typeof args[i] === 'string' && REWRITE.has(args[i])) { args[i] = LOOPBACK; break; }
  }
  return origSend.apply(this, args);
};

module.exports = { LOOPBACK };
