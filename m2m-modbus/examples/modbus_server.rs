//! A Modbus server built on m2m-modbus, serving the world of `tests/peers/CONTRACT.md` to real
//! peers (pymodbus, libmodbus, mbpoll): Modbus/TCP or RTU over TCP on loopback, or RTU or ASCII
//! on a serial line (feature `serial`).
//!
//! `cargo run -p m2m-modbus --example modbus_server -- --port 5020 --framer tcp|rtu`
//! `cargo run -p m2m-modbus --example modbus_server -- --device /dev/ttyUSB0 [--baud 19200]
//!  [--format 8E1] [--framer rtu|ascii]`
//!
//! `--format` is data bits, parity (N, E or O) and stop bits; by default 8E1 for RTU and 7E1
//! for ASCII, the guide's defaults (Serial Line §2.5). On a serial line the server answers
//! every unit as the world says (unit 17, exception 0x0B for the others) until the line closes.
//!
//! The protocol work, the sockets and the serial port are the crate's
//! (`m2m_modbus::tokio::Server`: framing, decoding, the exception rules of `m2m_modbus::server`,
//! encoding, the line's silences). This file holds only the world, as a `Handler`.

#![allow(clippy::cast_possible_truncation)] // every table of the world is smaller than 65536

use std::io::Write;
use std::sync::Mutex;

use m2m_modbus::server::check_range;
use m2m_modbus::tokio::{Handler, Responder, Server, Transport, serial};
use m2m_modbus::{
    Bits, Data, DeviceIdObject, ExceptionCode, FileRecordData, List, Registers, Request, Response,
};
use tokio::net::TcpListener;

#[path = "common/serial_line.rs"]
mod serial_line;

const UNIT: u8 = 17;
const FIFO_ADDRESS: u16 = 0x04DE;
const FIFO: [u16; 2] = [440, 4740];
const FILE: u16 = 4;
const RECORDS: usize = 10_000;
const DEVICE_ID: [(u8, &str); 3] = [(0, "m2m"), (1, "m2m-modbus"), (2, "0.1.0")];

struct World {
    coils: Vec<bool>,
    inputs: Vec<bool>,
    holding: Vec<u16>,
    input_regs: Vec<u16>,
    file: Vec<u16>,
}

type Answer = Result<Response<'static>, ExceptionCode>;

impl World {
    fn new() -> Self {
        World {
            coils: (0..2000).map(|a| a % 3 == 0).collect(),
            inputs: (0..2000).map(|a| a % 5 == 0).collect(),
            holding: (0..1000u32).map(|a| (a * 3 + 1) as u16).collect(),
            input_regs: (0..1000u16).map(|a| 0xFFFF - a).collect(),
            file: (0..RECORDS).map(|r| r as u16).collect(),
        }
    }

    fn serve(&mut self, req: &Request<'_>) -> Answer {
        use ExceptionCode::*;
        let regs = |v: &[u16]| Registers::Owned(v.to_vec());
        Ok(match req {
            Request::ReadCoils { address, quantity } => {
                let (a, q) = (usize::from(*address), usize::from(*quantity));
                check_range(*address, q, self.coils.len())?;
                Response::ReadCoils {
                    coils: Bits::Owned(pad(&self.coils[a..a + q])),
                }
            }
            Request::ReadDiscreteInputs { address, quantity } => {
                let (a, q) = (usize::from(*address), usize::from(*quantity));
                check_range(*address, q, self.inputs.len())?;
                Response::ReadDiscreteInputs {
                    inputs: Bits::Owned(pad(&self.inputs[a..a + q])),
                }
            }
            Request::ReadHoldingRegisters { address, quantity } => {
                let (a, q) = (usize::from(*address), usize::from(*quantity));
                check_range(*address, q, self.holding.len())?;
                Response::ReadHoldingRegisters {
                    registers: regs(&self.holding[a..a + q]),
                }
            }
            Request::ReadInputRegisters { address, quantity } => {
                let (a, q) = (usize::from(*address), usize::from(*quantity));
                check_range(*address, q, self.input_regs.len())?;
                Response::ReadInputRegisters {
                    registers: regs(&self.input_regs[a..a + q]),
                }
            }
            Request::WriteSingleCoil { address, value } => {
                check_range(*address, 1, self.coils.len())?;
                self.coils[usize::from(*address)] = *value;
                Response::WriteSingleCoil {
                    address: *address,
                    value: *value,
                }
            }
            Request::WriteSingleRegister { address, value } => {
                check_range(*address, 1, self.holding.len())?;
                self.holding[usize::from(*address)] = *value;
                Response::WriteSingleRegister {
                    address: *address,
                    value: *value,
                }
            }
            Request::ReadExceptionStatus => Response::ReadExceptionStatus { status: 0x6D },
            Request::Diagnostics { sub_function, data } => {
                let zero = data.as_bytes() == [0, 0];
                match sub_function {
                    0x0000 => Response::Diagnostics {
                        sub_function: 0,
                        data: Data::Owned(data.as_bytes().to_vec()),
                    },
                    0x0002 | 0x000A..=0x0012 if !zero => return Err(IllegalDataValue),
                    0x0002 | 0x000A..=0x0012 => Response::Diagnostics {
                        sub_function: *sub_function,
                        data: Data::Owned(vec![0, 0]),
                    },
                    _ => return Err(IllegalFunction),
                }
            }
            Request::GetCommEventCounter => Response::GetCommEventCounter {
                status: 0,
                event_count: 0,
            },
            Request::GetCommEventLog => Response::GetCommEventLog {
                status: 0,
                event_count: 0,
                message_count: 0,
                events: Data::Owned(Vec::new()),
            },
            Request::WriteMultipleCoils { address, coils } => {
                check_range(*address, coils.len(), self.coils.len())?;
                let a = usize::from(*address);
                for (i, c) in coils.iter().enumerate() {
                    self.coils[a + i] = c;
                }
                Response::WriteMultipleCoils {
                    address: *address,
                    quantity: coils.len() as u16,
                }
            }
            Request::WriteMultipleRegisters { address, registers } => {
                check_range(*address, registers.len(), self.holding.len())?;
                let a = usize::from(*address);
                for (i, r) in registers.iter().enumerate() {
                    self.holding[a + i] = r;
                }
                Response::WriteMultipleRegisters {
                    address: *address,
                    quantity: registers.len() as u16,
                }
            }
            Request::ReportServerId => {
                let mut data = vec![0x11, 0xFF];
                data.extend_from_slice(b"m2m-modbus");
                Response::ReportServerId {
                    data: Data::Owned(data),
                }
            }
            Request::ReadFileRecord { records } => {
                let mut groups = Vec::new();
                let mut len = 0usize;
                for r in records.iter() {
                    let (start, n) =
                        file_range(r.file_number, r.record_number, usize::from(r.record_length))?;
                    len += 2 + 2 * n;
                    groups.push(FileRecordData {
                        registers: regs(&self.file[start..start + n]),
                    });
                }
                if len > 0xF5 {
                    return Err(IllegalDataValue);
                }
                Response::ReadFileRecord {
                    records: List::Owned(groups),
                }
            }
            Request::WriteFileRecord { records } => {
                // Check every group before writing any.
                for r in records.iter() {
                    file_range(r.file_number, r.record_number, r.registers.len())?;
                }
                let mut echo = Vec::new();
                for r in records.iter() {
                    let start = usize::from(r.record_number);
                    for (i, v) in r.registers.iter().enumerate() {
                        self.file[start + i] = v;
                    }
                    echo.push(m2m_modbus::FileRecord {
                        file_number: r.file_number,
                        record_number: r.record_number,
                        registers: Registers::Owned(r.registers.iter().collect()),
                    });
                }
                Response::WriteFileRecord {
                    records: List::Owned(echo),
                }
            }
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => {
                check_range(*address, 1, self.holding.len())?;
                let cur = &mut self.holding[usize::from(*address)];
                *cur = (*cur & and_mask) | (or_mask & !and_mask);
                Response::MaskWriteRegister {
                    address: *address,
                    and_mask: *and_mask,
                    or_mask: *or_mask,
                }
            }
            Request::ReadWriteMultipleRegisters {
                read_address,
                read_quantity,
                write_address,
                registers,
            } => {
                check_range(*write_address, registers.len(), self.holding.len())?;
                check_range(
                    *read_address,
                    usize::from(*read_quantity),
                    self.holding.len(),
                )?;
                let w = usize::from(*write_address);
                for (i, r) in registers.iter().enumerate() {
                    self.holding[w + i] = r;
                }
                let (a, q) = (usize::from(*read_address), usize::from(*read_quantity));
                Response::ReadWriteMultipleRegisters {
                    registers: regs(&self.holding[a..a + q]),
                }
            }
            Request::ReadFifoQueue { address } => {
                if *address != FIFO_ADDRESS {
                    return Err(IllegalDataAddress);
                }
                Response::ReadFifoQueue {
                    registers: regs(&FIFO),
                }
            }
            Request::ReadDeviceIdentification {
                read_code,
                object_id,
            } => {
                let known = DEVICE_ID.iter().any(|(id, _)| id == object_id);
                let objects: Vec<_> = match read_code {
                    4 if !known => return Err(IllegalDataAddress),
                    4 => DEVICE_ID.iter().filter(|(id, _)| id == object_id).collect(),
                    _ => {
                        let from = if known { *object_id } else { 0 };
                        DEVICE_ID.iter().filter(|(id, _)| *id >= from).collect()
                    }
                };
                Response::ReadDeviceIdentification {
                    read_code: *read_code,
                    conformity_level: 0x81,
                    more_follows: false,
                    next_object_id: 0,
                    objects: List::Owned(
                        objects
                            .into_iter()
                            .map(|(id, v)| DeviceIdObject {
                                id: *id,
                                value: Data::Owned(v.as_bytes().to_vec()),
                            })
                            .collect(),
                    ),
                }
            }
            _ => return Err(IllegalFunction),
        })
    }
}

/// Record range of a file request: file 4 only, at least one record, within 0..10000.
fn file_range(file: u16, record: u16, n: usize) -> Result<(usize, usize), ExceptionCode> {
    let start = usize::from(record);
    if file != FILE || n == 0 || start + n > RECORDS {
        return Err(ExceptionCode::IllegalDataAddress);
    }
    Ok((start, n))
}

/// Bits padded with zeros to whole bytes (so the response holds exactly the bytes sent).
fn pad(bits: &[bool]) -> Vec<bool> {
    let mut v = bits.to_vec();
    v.resize(bits.len().div_ceil(8) * 8, false);
    v
}

/// The world behind a lock, as the server's handler: unit 17 is served, every other unit gets
/// exception 0x0B whatever it asks.
struct Device(Mutex<World>);

impl Handler for Device {
    fn unit(&self, unit: u8) -> Result<(), Option<ExceptionCode>> {
        if unit == UNIT {
            Ok(())
        } else {
            Err(Some(ExceptionCode::GatewayTargetDeviceFailedToRespond))
        }
    }

    fn call(
        &self,
        _unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        let mut world = self
            .0
            .lock()
            .map_err(|_| ExceptionCode::ServerDeviceFailure)?;
        let rsp = world.serve(&req)?;
        out.send(&rsp)
            .map_err(|_| ExceptionCode::ServerDeviceFailure)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| serial_line::arg(&args, name);
    let usage = |why: &str| -> ! {
        eprintln!("modbus_server: {why}");
        eprintln!(
            "usage: modbus_server --port P [--framer tcp|rtu]\n       \
             modbus_server --device PATH [--baud N] [--format 8E1] [--framer rtu|ascii]"
        );
        std::process::exit(2);
    };
    let server = Server::new(Device(Mutex::new(World::new())));
    if let Some(path) = arg("--device") {
        let transport = match arg("--framer").as_deref() {
            Some("rtu") | None => Transport::Rtu,
            Some("ascii") => Transport::Ascii,
            Some(other) => usage(&format!("unknown framer {other} on a serial line")),
        };
        let line = serial_line::line(&args, transport).unwrap_or_else(|why| usage(&why));
        let port = serial::open(&path, &line)?;
        println!("ready");
        std::io::stdout().flush()?;
        return server
            .transport(transport)
            .line(line)
            .serve_stream(port)
            .await;
    }
    let port: u16 = arg("--port").and_then(|p| p.parse().ok()).unwrap_or(5020);
    let transport = match arg("--framer").as_deref() {
        Some("rtu") => Transport::RtuOverTcp,
        Some("tcp") | None => Transport::Tcp,
        Some(other) => usage(&format!("unknown framer {other}: use tcp or rtu")),
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("ready");
    std::io::stdout().flush()?;
    server.transport(transport).serve(listener).await
}
