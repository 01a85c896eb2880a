//! Function codes and exception codes (Modbus Application Protocol V1.1b3 §5.1, §7).

use core::fmt;

/// A function code (Modbus Application Protocol V1.1b3 §5.1, §6).
///
/// Every byte 0x01..=0x7F is a function code; the public ones have a name, the rest (user
/// defined 65-72 and 100-110, reserved ones) are [`FunctionCode::Other`] and are carried raw.
/// Bytes 0x80..=0xFF are exception responses, not function codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FunctionCode {
    /// 0x01 Read Coils (§6.1).
    ReadCoils,
    /// 0x02 Read Discrete Inputs (§6.2).
    ReadDiscreteInputs,
    /// 0x03 Read Holding Registers (§6.3).
    ReadHoldingRegisters,
    /// 0x04 Read Input Registers (§6.4).
    ReadInputRegisters,
    /// 0x05 Write Single Coil (§6.5).
    WriteSingleCoil,
    /// 0x06 Write Single Register (§6.6).
    WriteSingleRegister,
    /// 0x07 Read Exception Status, serial line only (§6.7).
    ReadExceptionStatus,
    /// 0x08 Diagnostics, serial line only (§6.8).
    Diagnostics,
    /// 0x0B Get Comm Event Counter, serial line only (§6.9).
    GetCommEventCounter,
    /// 0x0C Get Comm Event Log, serial line only (§6.10).
    GetCommEventLog,
    /// 0x0F Write Multiple Coils (§6.11).
    WriteMultipleCoils,
    /// 0x10 Write Multiple Registers (§6.12).
    WriteMultipleRegisters,
    /// 0x11 Report Server ID, serial line only (§6.13).
    ReportServerId,
    /// 0x14 Read File Record (§6.14).
    ReadFileRecord,
    /// 0x15 Write File Record (§6.15).
    WriteFileRecord,
    /// 0x16 Mask Write Register (§6.16).
    MaskWriteRegister,
    /// 0x17 Read/Write Multiple Registers (§6.17).
    ReadWriteMultipleRegisters,
    /// 0x18 Read FIFO Queue (§6.18).
    ReadFifoQueue,
    /// 0x2B Encapsulated Interface Transport (§6.19-6.21).
    EncapsulatedInterface,
    /// Any other code in 0x01..=0x7F (user-defined or reserved), carried raw.
    Other(u8),
}

impl FunctionCode {
    /// The code of a byte 0x01..=0x7F; `None` for 0x00 and for exception bytes 0x80..=0xFF.
    #[must_use]
    #[allow(clippy::match_overlapping_arm)] // named codes first, then the rest of the range
    pub const fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            0x01 => FunctionCode::ReadCoils,
            0x02 => FunctionCode::ReadDiscreteInputs,
            0x03 => FunctionCode::ReadHoldingRegisters,
            0x04 => FunctionCode::ReadInputRegisters,
            0x05 => FunctionCode::WriteSingleCoil,
            0x06 => FunctionCode::WriteSingleRegister,
            0x07 => FunctionCode::ReadExceptionStatus,
            0x08 => FunctionCode::Diagnostics,
            0x0B => FunctionCode::GetCommEventCounter,
            0x0C => FunctionCode::GetCommEventLog,
            0x0F => FunctionCode::WriteMultipleCoils,
            0x10 => FunctionCode::WriteMultipleRegisters,
            0x11 => FunctionCode::ReportServerId,
            0x14 => FunctionCode::ReadFileRecord,
            0x15 => FunctionCode::WriteFileRecord,
            0x16 => FunctionCode::MaskWriteRegister,
            0x17 => FunctionCode::ReadWriteMultipleRegisters,
            0x18 => FunctionCode::ReadFifoQueue,
            0x2B => FunctionCode::EncapsulatedInterface,
            0x01..=0x7F => FunctionCode::Other(b),
            _ => return None,
        })
    }

    /// The byte on the wire.
    #[must_use]
    pub const fn value(self) -> u8 {
        match self {
            FunctionCode::ReadCoils => 0x01,
            FunctionCode::ReadDiscreteInputs => 0x02,
            FunctionCode::ReadHoldingRegisters => 0x03,
            FunctionCode::ReadInputRegisters => 0x04,
            FunctionCode::WriteSingleCoil => 0x05,
            FunctionCode::WriteSingleRegister => 0x06,
            FunctionCode::ReadExceptionStatus => 0x07,
            FunctionCode::Diagnostics => 0x08,
            FunctionCode::GetCommEventCounter => 0x0B,
            FunctionCode::GetCommEventLog => 0x0C,
            FunctionCode::WriteMultipleCoils => 0x0F,
            FunctionCode::WriteMultipleRegisters => 0x10,
            FunctionCode::ReportServerId => 0x11,
            FunctionCode::ReadFileRecord => 0x14,
            FunctionCode::WriteFileRecord => 0x15,
            FunctionCode::MaskWriteRegister => 0x16,
            FunctionCode::ReadWriteMultipleRegisters => 0x17,
            FunctionCode::ReadFifoQueue => 0x18,
            FunctionCode::EncapsulatedInterface => 0x2B,
            FunctionCode::Other(b) => b,
        }
    }

    /// `true` for the codes the specification defines (everything but [`FunctionCode::Other`]).
    #[must_use]
    pub const fn is_public(self) -> bool {
        !matches!(self, FunctionCode::Other(_))
    }

    /// `true` when the byte is a public function code (one table load; for framings that test
    /// every byte of line noise).
    #[must_use]
    #[inline]
    pub fn is_public_code(b: u8) -> bool {
        PUBLIC.get(usize::from(b)).copied().unwrap_or(false)
    }
}

/// Public function codes, by byte.
static PUBLIC: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation)] // b < 256
        if let Some(fc) = FunctionCode::from_u8(b as u8) {
            #[allow(clippy::indexing_slicing)] // b < 256 = t.len(), evaluated at compile time
            {
                t[b] = fc.is_public();
            }
        }
        b += 1;
    }
    t
};

impl fmt::Display for FunctionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02X}", self.value())
    }
}

/// An exception code (Modbus Application Protocol V1.1b3 §7). Unknown codes are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ExceptionCode {
    /// 0x01 The function code is not supported.
    IllegalFunction,
    /// 0x02 The data address is not allowed.
    IllegalDataAddress,
    /// 0x03 A value in the request is not allowed (quantity, byte count, ...).
    IllegalDataValue,
    /// 0x04 An unrecoverable error in the server.
    ServerDeviceFailure,
    /// 0x05 Accepted; processing takes long.
    Acknowledge,
    /// 0x06 Busy with a long command; retry later.
    ServerDeviceBusy,
    /// 0x08 Parity error in extended memory (file record access).
    MemoryParityError,
    /// 0x0A The gateway has no path to the target.
    GatewayPathUnavailable,
    /// 0x0B The gateway's target did not respond.
    GatewayTargetDeviceFailedToRespond,
    /// Any other code, kept as it is.
    Unknown(u8),
}

impl ExceptionCode {
    /// From the byte on the wire.
    #[must_use]
    pub const fn from_u8(b: u8) -> Self {
        match b {
            0x01 => ExceptionCode::IllegalFunction,
            0x02 => ExceptionCode::IllegalDataAddress,
            0x03 => ExceptionCode::IllegalDataValue,
            0x04 => ExceptionCode::ServerDeviceFailure,
            0x05 => ExceptionCode::Acknowledge,
            0x06 => ExceptionCode::ServerDeviceBusy,
            0x08 => ExceptionCode::MemoryParityError,
            0x0A => ExceptionCode::GatewayPathUnavailable,
            0x0B => ExceptionCode::GatewayTargetDeviceFailedToRespond,
            b => ExceptionCode::Unknown(b),
        }
    }

    /// The byte on the wire.
    #[must_use]
    pub const fn value(self) -> u8 {
        match self {
            ExceptionCode::IllegalFunction => 0x01,
            ExceptionCode::IllegalDataAddress => 0x02,
            ExceptionCode::IllegalDataValue => 0x03,
            ExceptionCode::ServerDeviceFailure => 0x04,
            ExceptionCode::Acknowledge => 0x05,
            ExceptionCode::ServerDeviceBusy => 0x06,
            ExceptionCode::MemoryParityError => 0x08,
            ExceptionCode::GatewayPathUnavailable => 0x0A,
            ExceptionCode::GatewayTargetDeviceFailedToRespond => 0x0B,
            ExceptionCode::Unknown(b) => b,
        }
    }

    /// The snake_case name of a known code (as in the JSON form), `None` for unknown codes.
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        Some(match self {
            ExceptionCode::IllegalFunction => "illegal_function",
            ExceptionCode::IllegalDataAddress => "illegal_data_address",
            ExceptionCode::IllegalDataValue => "illegal_data_value",
            ExceptionCode::ServerDeviceFailure => "server_device_failure",
            ExceptionCode::Acknowledge => "acknowledge",
            ExceptionCode::ServerDeviceBusy => "server_device_busy",
            ExceptionCode::MemoryParityError => "memory_parity_error",
            ExceptionCode::GatewayPathUnavailable => "gateway_path_unavailable",
            ExceptionCode::GatewayTargetDeviceFailedToRespond => {
                "gateway_target_device_failed_to_respond"
            }
            ExceptionCode::Unknown(_) => return None,
        })
    }

    /// The known code of a snake_case name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        (0u8..=0x0B)
            .map(ExceptionCode::from_u8)
            .find(|c| c.name() == Some(name))
    }
}

impl fmt::Display for ExceptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:02X})", self.value()),
            None => write!(f, "unknown exception 0x{:02X}", self.value()),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ExceptionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => s.serialize_str(n),
            None => s.serialize_u8(self.value()),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ExceptionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ExceptionCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an exception code name or a number 0..=255")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ExceptionCode, E> {
                ExceptionCode::from_name(v)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ExceptionCode, E> {
                u8::try_from(v)
                    .map(ExceptionCode::from_u8)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for b in 0u8..=255 {
            match FunctionCode::from_u8(b) {
                Some(fc) => assert_eq!(fc.value(), b),
                None => assert!(b == 0 || b >= 0x80),
            }
            assert_eq!(ExceptionCode::from_u8(b).value(), b);
        }
        assert_eq!(FunctionCode::from_u8(0x41), Some(FunctionCode::Other(0x41)));
        assert!(!FunctionCode::Other(0x41).is_public());
    }

    #[test]
    fn exception_names() {
        assert_eq!(
            ExceptionCode::from_name("gateway_path_unavailable"),
            Some(ExceptionCode::GatewayPathUnavailable)
        );
        assert_eq!(ExceptionCode::from_u8(0x07), ExceptionCode::Unknown(7));
        assert_eq!(ExceptionCode::from_name("nope"), None);
    }
}
