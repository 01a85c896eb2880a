//! The serial-line options the peer examples share: `--baud N --format 8N1`.

use m2m_modbus::line::{Line, Parity};
use m2m_modbus::tokio::Transport;

/// The value after the option `name`, if given.
pub(crate) fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The line of `--baud` (default 19200) and `--format`: data bits, parity (N, E or O) and stop
/// bits, such as `8N1`; by default 8E1 for RTU and 7E1 for ASCII (Serial Line §2.5).
pub(crate) fn line(args: &[String], transport: Transport) -> Result<Line, String> {
    let baud = match arg(args, "--baud") {
        Some(b) => b.parse().map_err(|_| format!("bad baud rate {b}"))?,
        None => 19200,
    };
    let format = arg(args, "--format").unwrap_or_else(|| {
        if transport == Transport::Ascii {
            "7E1"
        } else {
            "8E1"
        }
        .into()
    });
    let bad = || format!("bad format {format}: data bits, parity, stop bits, e.g. 8N1");
    let (data, parity, stop) = match format.as_bytes() {
        [d @ b'5'..=b'8', p, s @ (b'1' | b'2')] => (d - b'0', *p, s - b'0'),
        _ => return Err(bad()),
    };
    let parity = match parity.to_ascii_uppercase() {
        b'N' => Parity::None,
        b'E' => Parity::Even,
        b'O' => Parity::Odd,
        _ => return Err(bad()),
    };
    Ok(Line::new(baud).format(data, parity, stop))
}
