//! The simulated field device of the demo: a pump behind the m2m-modbus async server, its
//! values in holding registers that change over time.
// The simulation writes numbers into 16-bit registers and f32 values: narrowing is the point.
#![allow(clippy::cast_possible_truncation)]

use std::f64::consts::TAU;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use m2m_modbus::function::ExceptionCode;
use m2m_modbus::samples::{DataType, Point};
use m2m_modbus::tokio::{Handler, Responder};
use m2m_modbus::{Request, Response};

/// The register map of the pump (holding registers, unit 1), as a gateway would be configured.
pub(crate) const MAP: [Point<'static>; 6] = [
    Point::new("Pump/Temperature", 0, DataType::F32),
    Point::new("Pump/Pressure", 2, DataType::F32),
    Point::new("Pump/Vibration", 4, DataType::F32),
    Point::new("Pump/Running", 6, DataType::U16),
    Point::new("Pump/Cycles", 7, DataType::U32),
    Point::new("Pump/Flow", 9, DataType::I16).scale(0.1),
];

/// Registers the map spans.
pub(crate) const REGISTERS: u16 = 10;

/// The pump's state: its registers, and when each cycle count was reached (for the latency from
/// a register change to the host seeing it).
#[derive(Debug)]
pub(crate) struct Pump {
    pub(crate) registers: [u16; REGISTERS as usize],
    pub(crate) cycles: u32,
    /// When `cycles` reached each value, for the latest values.
    pub(crate) changed: std::collections::VecDeque<(u32, Instant)>,
    pub(crate) reads: u64,
    /// When the simulation started.
    pub(crate) start: Instant,
    /// Values change on every read (a throughput run) instead of on a timer.
    pub(crate) every_read: bool,
}

pub(crate) type Shared = Arc<Mutex<Pump>>;

fn put_f32(r: &mut [u16], at: usize, v: f32) {
    let b = v.to_bits();
    if let Some(w) = r.get_mut(at..at + 2) {
        w.copy_from_slice(&[(b >> 16) as u16, b as u16]);
    }
}

impl Pump {
    pub(crate) fn new() -> Shared {
        let mut p = Pump {
            registers: [0; REGISTERS as usize],
            cycles: 0,
            changed: std::collections::VecDeque::new(),
            reads: 0,
            start: Instant::now(),
            every_read: false,
        };
        p.update(0.0);
        Arc::new(Mutex::new(p))
    }

    /// The values at `t` seconds since the start: a slow temperature wave, pressure and flow
    /// following the running state (on 8 s, off 2 s), vibration with a little deterministic
    /// jitter, and a cycle counter that counts ticks while running.
    pub(crate) fn update(&mut self, t: f64) {
        let running = (t % 10.0) < 8.0;
        if running && t > 0.0 {
            self.cycles = self.cycles.wrapping_add(1);
            self.changed.push_back((self.cycles, Instant::now()));
            while self.changed.len() > 4096 {
                self.changed.pop_front();
            }
        }
        let temperature = 61.5 + 4.0 * (t * TAU / 30.0).sin();
        let pressure = if running {
            4.2 + 0.3 * (t * TAU / 5.0).sin()
        } else {
            0.1
        };
        let jitter = ((t * 1000.0) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54;
        let vibration = if running {
            2.0 + jitter as f64 / 1024.0
        } else {
            0.05
        };
        let flow = if running {
            36.0 + 2.0 * (t * TAU / 7.0).cos()
        } else {
            0.0
        };
        let r = &mut self.registers;
        put_f32(r, 0, temperature as f32);
        put_f32(r, 2, pressure as f32);
        put_f32(r, 4, vibration as f32);
        r[6] = u16::from(running);
        r[7] = (self.cycles >> 16) as u16;
        r[8] = self.cycles as u16;
        r[9] = ((flow * 10.0).round() as i16) as u16;
    }
}

/// Drives the pump's values every `tick` until the task is dropped; with a zero `tick`, the
/// values change on every read instead.
pub(crate) async fn simulate(pump: Shared, tick: Duration) {
    if tick.is_zero() {
        if let Ok(mut p) = pump.lock() {
            p.every_read = true;
        }
        return;
    }
    let mut timer = tokio::time::interval(tick);
    loop {
        timer.tick().await;
        if let Ok(mut p) = pump.lock() {
            let t = p.start.elapsed().as_secs_f64();
            p.update(t);
        }
    }
}

/// The Modbus side: FC03 reads of the pump's holding registers on unit 1.
pub(crate) struct PumpServer(pub(crate) Shared);

impl Handler for PumpServer {
    fn call(
        &self,
        _unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        let Request::ReadHoldingRegisters { address, quantity } = req else {
            return Err(ExceptionCode::IllegalFunction);
        };
        let mut p = self
            .0
            .lock()
            .map_err(|_| ExceptionCode::ServerDeviceFailure)?;
        p.reads += 1;
        if p.every_read {
            let t = p.start.elapsed().as_secs_f64();
            p.update(t);
        }
        let start = usize::from(address);
        let end = start + usize::from(quantity);
        let regs = p
            .registers
            .get(start..end)
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        out.send(&Response::ReadHoldingRegisters {
            registers: regs.into(),
        })
        .map_err(|_| ExceptionCode::ServerDeviceFailure)
    }

    fn unit(&self, unit: u8) -> Result<(), Option<ExceptionCode>> {
        if unit == 1 { Ok(()) } else { Err(None) }
    }
}
