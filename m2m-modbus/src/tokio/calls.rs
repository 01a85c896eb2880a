//! The typed calls of [`Client`], one per function code, on top of [`Client::call`]. Simple
//! results are returned owned (`Vec<u16>`, `Vec<bool>`, a status byte); rich ones as the
//! [`Reply`], whose `response()` borrows from the frame.

use std::vec::Vec;

use super::Error;
use super::client::{Client, Reply};
use crate::client::Mismatch;
use crate::data::{Bits, Data, Registers};
use crate::list::List;
use crate::pdu::{FileRecord, FileSubRequest, Request, Response};

impl Client {
    /// FC 0x01: `quantity` coils from `address`.
    pub async fn read_coils(&self, address: u16, quantity: u16) -> Result<Vec<bool>, Error> {
        let r = self.call(&Request::ReadCoils { address, quantity }).await?;
        bits(r.ok()?, quantity)
    }

    /// FC 0x02: `quantity` discrete inputs from `address`.
    pub async fn read_discrete_inputs(
        &self,
        address: u16,
        quantity: u16,
    ) -> Result<Vec<bool>, Error> {
        let r = self
            .call(&Request::ReadDiscreteInputs { address, quantity })
            .await?;
        bits(r.ok()?, quantity)
    }

    /// FC 0x03: `quantity` holding registers from `address`.
    pub async fn read_holding_registers(
        &self,
        address: u16,
        quantity: u16,
    ) -> Result<Vec<u16>, Error> {
        let r = self
            .call(&Request::ReadHoldingRegisters { address, quantity })
            .await?;
        registers(r.ok()?)
    }

    /// FC 0x03 into `out` (its length is the quantity): no allocation.
    pub async fn read_holding_registers_into(
        &self,
        address: u16,
        out: &mut [u16],
    ) -> Result<(), Error> {
        let quantity = u16::try_from(out.len()).unwrap_or(u16::MAX);
        let r = self
            .call(&Request::ReadHoldingRegisters { address, quantity })
            .await?;
        match r.ok()? {
            Response::ReadHoldingRegisters { registers } => {
                match out.get_mut(..registers.len()) {
                    Some(head) => registers.read_into(head),
                    None => out
                        .iter_mut()
                        .zip(registers.iter())
                        .for_each(|(o, v)| *o = v),
                }
                Ok(())
            }
            _ => Err(unexpected()),
        }
    }

    /// FC 0x04: `quantity` input registers from `address`.
    pub async fn read_input_registers(
        &self,
        address: u16,
        quantity: u16,
    ) -> Result<Vec<u16>, Error> {
        let r = self
            .call(&Request::ReadInputRegisters { address, quantity })
            .await?;
        registers(r.ok()?)
    }

    /// FC 0x05.
    pub async fn write_single_coil(&self, address: u16, value: bool) -> Result<(), Error> {
        self.call(&Request::WriteSingleCoil { address, value })
            .await
            .map(drop)
    }

    /// FC 0x06.
    pub async fn write_single_register(&self, address: u16, value: u16) -> Result<(), Error> {
        self.call(&Request::WriteSingleRegister { address, value })
            .await
            .map(drop)
    }

    /// FC 0x07: the exception status byte.
    pub async fn read_exception_status(&self) -> Result<u8, Error> {
        match self.call(&Request::ReadExceptionStatus).await?.ok()? {
            Response::ReadExceptionStatus { status } => Ok(status),
            _ => Err(unexpected()),
        }
    }

    /// FC 0x08: sub-function and data; the reply holds the echo.
    pub async fn diagnostics(&self, sub_function: u16, data: &[u8]) -> Result<Reply, Error> {
        self.call(&Request::Diagnostics {
            sub_function,
            data: Data::Borrowed(data),
        })
        .await
    }

    /// FC 0x0B: `(status, event count)`.
    pub async fn get_comm_event_counter(&self) -> Result<(u16, u16), Error> {
        match self.call(&Request::GetCommEventCounter).await?.ok()? {
            Response::GetCommEventCounter {
                status,
                event_count,
            } => Ok((status, event_count)),
            _ => Err(unexpected()),
        }
    }

    /// FC 0x0C: the reply decodes to `Response::GetCommEventLog`.
    pub async fn get_comm_event_log(&self) -> Result<Reply, Error> {
        self.call(&Request::GetCommEventLog).await
    }

    /// FC 0x0F.
    pub async fn write_multiple_coils(&self, address: u16, coils: &[bool]) -> Result<(), Error> {
        self.call(&Request::WriteMultipleCoils {
            address,
            coils: Bits::Values(coils),
        })
        .await
        .map(drop)
    }

    /// FC 0x10.
    pub async fn write_multiple_registers(
        &self,
        address: u16,
        values: &[u16],
    ) -> Result<(), Error> {
        self.call(&Request::WriteMultipleRegisters {
            address,
            registers: Registers::Values(values),
        })
        .await
        .map(drop)
    }

    /// FC 0x11: the server id and run indicator and additional data, as sent.
    pub async fn report_server_id(&self) -> Result<Vec<u8>, Error> {
        match self.call(&Request::ReportServerId).await?.ok()? {
            Response::ReportServerId { data } => Ok(data.as_bytes().to_vec()),
            _ => Err(unexpected()),
        }
    }

    /// FC 0x14: the reply decodes to `Response::ReadFileRecord`.
    pub async fn read_file_record(&self, records: &[FileSubRequest]) -> Result<Reply, Error> {
        self.call(&Request::ReadFileRecord {
            records: List::Values(records),
        })
        .await
    }

    /// FC 0x15.
    pub async fn write_file_record(&self, records: &[FileRecord<'_>]) -> Result<(), Error> {
        self.call(&Request::WriteFileRecord {
            records: List::Values(records),
        })
        .await
        .map(drop)
    }

    /// FC 0x16.
    pub async fn mask_write_register(
        &self,
        address: u16,
        and_mask: u16,
        or_mask: u16,
    ) -> Result<(), Error> {
        self.call(&Request::MaskWriteRegister {
            address,
            and_mask,
            or_mask,
        })
        .await
        .map(drop)
    }

    /// FC 0x17: writes `values` at `write_address`, then reads `read_quantity` registers.
    pub async fn read_write_multiple_registers(
        &self,
        read_address: u16,
        read_quantity: u16,
        write_address: u16,
        values: &[u16],
    ) -> Result<Vec<u16>, Error> {
        let r = self
            .call(&Request::ReadWriteMultipleRegisters {
                read_address,
                read_quantity,
                write_address,
                registers: Registers::Values(values),
            })
            .await?;
        registers(r.ok()?)
    }

    /// FC 0x18: the queue at `address`.
    pub async fn read_fifo_queue(&self, address: u16) -> Result<Vec<u16>, Error> {
        let r = self.call(&Request::ReadFifoQueue { address }).await?;
        registers(r.ok()?)
    }

    /// FC 0x2B / MEI 0x0E: the reply decodes to `Response::ReadDeviceIdentification`.
    pub async fn read_device_identification(
        &self,
        read_code: u8,
        object_id: u8,
    ) -> Result<Reply, Error> {
        self.call(&Request::ReadDeviceIdentification {
            read_code,
            object_id,
        })
        .await
    }
}

fn unexpected() -> Error {
    Error::Mismatch(Mismatch::Echo { field: "function" })
}

/// The `quantity` states asked for: the response's last byte is padded with zeros to 8 bits
/// (Application Protocol §6.1), and the padding is not a coil.
fn bits(rsp: Response<'_>, quantity: u16) -> Result<Vec<bool>, Error> {
    match rsp {
        Response::ReadCoils { coils: b } | Response::ReadDiscreteInputs { inputs: b } => {
            Ok(b.iter().take(usize::from(quantity)).collect())
        }
        _ => Err(unexpected()),
    }
}

fn registers(rsp: Response<'_>) -> Result<Vec<u16>, Error> {
    match rsp {
        Response::ReadHoldingRegisters { registers: r }
        | Response::ReadInputRegisters { registers: r }
        | Response::ReadWriteMultipleRegisters { registers: r }
        | Response::ReadFifoQueue { registers: r } => {
            // Not `vec![0; n]`: calloc skips the allocator's cache of freed blocks (glibc's
            // tcache), about 500 instructions a call against 50.
            #[allow(clippy::slow_vector_initialization)]
            let mut v = Vec::with_capacity(r.len());
            v.resize(r.len(), 0);
            r.read_into(&mut v);
            Ok(v)
        }
        _ => Err(unexpected()),
    }
}
