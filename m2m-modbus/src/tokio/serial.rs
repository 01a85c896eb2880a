//! Serial ports for the client and the server (feature `serial`), opened with tokio-serial.
//!
//! [`open`] gives a [`SerialStream`] set to a [`Line`]'s baud rate and character format, with no
//! flow control (Modbus over Serial Line V1.02 §2.5: an RS-485 two-wire bus has none).
//! [`Client::open_serial`](super::Client::open_serial) opens the port itself;
//! [`Server::serve_stream`](super::Server::serve_stream) serves one:
//!
//! ```no_run
//! # async fn run(handler: impl m2m_modbus::tokio::Handler) -> std::io::Result<()> {
//! use m2m_modbus::line::Line;
//! use m2m_modbus::tokio::{Server, Transport, serial};
//!
//! let line = Line::new(9600);
//! let port = serial::open("/dev/ttyUSB0", &line)?;
//! Server::new(handler)
//!     .transport(Transport::Rtu)
//!     .line(line)
//!     .units(&[17])
//!     .serve_stream(port)
//!     .await
//! # }
//! ```

use std::io;

pub use tokio_serial::SerialStream;
use tokio_serial::{DataBits, FlowControl, SerialPortBuilderExt, StopBits};

use crate::line::{Line, Parity};

/// Opens the serial port at `path` with the baud rate and character format of `line`.
///
/// Errors: the port cannot be opened or set (a missing device, no permission), or the format
/// has data bits outside 5..=8 or stop bits other than 1 or 2 ([`io::ErrorKind::InvalidInput`]).
pub fn open(path: &str, line: &Line) -> io::Result<SerialStream> {
    let invalid = |what| io::Error::new(io::ErrorKind::InvalidInput, what);
    let data_bits = match line.data_bits {
        5 => DataBits::Five,
        6 => DataBits::Six,
        7 => DataBits::Seven,
        8 => DataBits::Eight,
        _ => return Err(invalid("data bits must be 5..=8")),
    };
    let stop_bits = match line.stop_bits {
        1 => StopBits::One,
        2 => StopBits::Two,
        _ => return Err(invalid("stop bits must be 1 or 2")),
    };
    let parity = match line.parity {
        Parity::None => tokio_serial::Parity::None,
        Parity::Even => tokio_serial::Parity::Even,
        Parity::Odd => tokio_serial::Parity::Odd,
    };
    let port = tokio_serial::new(path, line.baud_rate)
        .data_bits(data_bits)
        .stop_bits(stop_bits)
        .parity(parity)
        .flow_control(FlowControl::None)
        .open_native_async()?;
    Ok(port)
}
