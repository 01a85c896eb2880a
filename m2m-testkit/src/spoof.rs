//! A UDP datagram from source port 0, which no socket can answer: the `send_to` of a reply to
//! it fails (EINVAL), as it would for any address a server cannot reach. Sent from a raw
//! socket (by Python's `socket` module, since std has no raw sockets), which needs root or
//! CAP_NET_RAW.

use std::process::Command;

/// Sends `payload` to `127.0.0.1:port` from source port 0. `false` when this machine gives no
/// raw socket, or has no `python3` (the caller then checks nothing, and should say so); panics
/// when the send itself fails.
#[must_use]
pub fn from_port_zero(payload: &[u8], port: u16) -> bool {
    let hex: String = payload.iter().map(|b| format!("{b:02x}")).collect();
    let script = format!(
        "import socket, struct, sys\n\
         p = bytes.fromhex('{hex}')\n\
         try:\n    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)\n\
         except OSError:\n    sys.exit(3)\n\
         s.sendto(struct.pack('>HHHH', 0, {port}, 8 + len(p), 0) + p, ('127.0.0.1', 0))\n"
    );
    let Ok(status) = Command::new("python3").args(["-c", &script]).status() else {
        eprintln!("no python3 here: nothing checked");
        return false;
    };
    if status.code() == Some(3) {
        eprintln!("no raw socket here: nothing checked");
        return false;
    }
    assert!(status.success(), "the raw send failed: {status}");
    true
}
