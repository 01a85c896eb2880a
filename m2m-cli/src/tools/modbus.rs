//! `m2m modbus read|write`: a Modbus master on the m2m-modbus async client (what mbpoll does).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use m2m_modbus::tokio::{Client, Options, Transport};

use crate::codec::CliError;

/// The four data tables of the Modbus data model (Application Protocol §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Table {
    /// Coils (FC 01 read, FC 05/0F write).
    Coils,
    /// Discrete inputs (FC 02, read only).
    Inputs,
    /// Holding registers (FC 03 read, FC 06/10 write).
    Holding,
    /// Input registers (FC 04, read only).
    InputRegisters,
}

/// Where the device is and how to reach it.
#[derive(Debug, clap::Args)]
pub(crate) struct Target {
    /// tcp://HOST:PORT (Modbus/TCP) or rtu-over-tcp://HOST:PORT (RTU frames on TCP).
    url: String,
    /// Unit identifier (slave address).
    #[arg(long, default_value_t = 1)]
    unit: u8,
    /// Response timeout in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    timeout_ms: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `m2m modbus ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ModbusCommand {
    /// Read COUNT coils, inputs or registers from ADDRESS.
    Read {
        #[command(flatten)]
        target: Target,
        /// Which table.
        #[arg(value_enum)]
        table: Table,
        /// First address (0-based, as on the wire).
        address: u16,
        /// How many.
        #[arg(default_value_t = 1)]
        count: u16,
    },
    /// Write VALUES to coils (0/1, true/false) or holding registers from ADDRESS (one value: FC
    /// 05/06; more: FC 0F/10).
    Write {
        #[command(flatten)]
        target: Target,
        /// Which table (coils or holding).
        #[arg(value_enum)]
        table: Table,
        /// First address (0-based).
        address: u16,
        /// The values.
        #[arg(required = true, allow_negative_numbers = true)]
        values: Vec<String>,
    },
}

fn endpoint(url: &str) -> Result<(SocketAddr, Transport), CliError> {
    let (transport, rest) = if let Some(r) = url.strip_prefix("tcp://") {
        (Transport::Tcp, r)
    } else if let Some(r) = url.strip_prefix("rtu-over-tcp://") {
        (Transport::RtuOverTcp, r)
    } else {
        return Err(CliError::Usage(format!(
            "want tcp://HOST:PORT or rtu-over-tcp://HOST:PORT, not {url}"
        )));
    };
    let rest = rest.trim_end_matches('/');
    let with_port = if rest
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        rest.to_string()
    } else {
        format!("{rest}:502")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| CliError::Usage(format!("cannot resolve {rest}: {e}")))?
        .next()
        .ok_or_else(|| CliError::Usage(format!("no address for {rest}")))?;
    Ok((addr, transport))
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

async fn connect(t: &Target) -> Result<Client, CliError> {
    let (addr, transport) = endpoint(&t.url)?;
    let options = Options::default()
        .transport(transport)
        .unit(t.unit)
        .timeout(Duration::from_millis(t.timeout_ms))
        .reconnect(false);
    Client::connect_with(addr, options)
        .await
        .map_err(|e| failed(format!("cannot connect to {addr}: {e}")))
}

fn parse_bool(s: &str) -> Result<bool, CliError> {
    match s {
        "1" | "true" | "on" => Ok(true),
        "0" | "false" | "off" => Ok(false),
        _ => Err(CliError::Usage(format!(
            "not a coil value (0/1, true/false): {s}"
        ))),
    }
}

fn parse_register(s: &str) -> Result<u16, CliError> {
    let v = if let Some(h) = s.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else {
        s.parse::<i64>().ok()
    };
    match v {
        Some(v @ 0..=65535) => u16::try_from(v).map_err(|_| CliError::Usage(s.into())),
        // A negative number goes on the wire in two's complement.
        Some(v @ -32768..=-1) => i16::try_from(v)
            .map(|v| u16::from_be_bytes(v.to_be_bytes()))
            .map_err(|_| CliError::Usage(s.into())),
        _ => Err(CliError::Usage(format!(
            "not a register value (-32768..65535): {s}"
        ))),
    }
}

/// Runs one command; returns what to print.
pub(crate) fn run(cmd: &ModbusCommand) -> Result<String, CliError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failed)?;
    rt.block_on(async {
        match cmd {
            ModbusCommand::Read {
                target,
                table,
                address,
                count,
            } => {
                let c = connect(target).await?;
                let values: Vec<serde_json::Value> = match table {
                    Table::Coils => c
                        .read_coils(*address, *count)
                        .await
                        .map_err(failed)?
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    Table::Inputs => c
                        .read_discrete_inputs(*address, *count)
                        .await
                        .map_err(failed)?
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    Table::Holding => c
                        .read_holding_registers(*address, *count)
                        .await
                        .map_err(failed)?
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    Table::InputRegisters => c
                        .read_input_registers(*address, *count)
                        .await
                        .map_err(failed)?
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                };
                if target.json {
                    let json = serde_json::json!({
                        "unit": target.unit,
                        "table": format!("{table:?}").to_lowercase(),
                        "address": address,
                        "values": values,
                    });
                    return Ok(json.to_string());
                }
                let mut out = String::from("address  value\n");
                for (i, v) in values.iter().enumerate() {
                    let a = usize::from(*address) + i;
                    match v.as_u64().and_then(|r| u16::try_from(r).ok()) {
                        Some(r) => out.push_str(&format!(
                            "{a:>7}  {r} (0x{r:04x}, {})\n",
                            i16::from_be_bytes(r.to_be_bytes())
                        )),
                        None => out.push_str(&format!("{a:>7}  {v}\n")),
                    }
                }
                out.pop();
                Ok(out)
            }
            ModbusCommand::Write {
                target,
                table,
                address,
                values,
            } => {
                let c = connect(target).await?;
                let n = values.len();
                match (table, n) {
                    (Table::Coils, 1) => {
                        let v = parse_bool(values.first().map_or("", String::as_str))?;
                        c.write_single_coil(*address, v).await.map_err(failed)?;
                    }
                    (Table::Coils, _) => {
                        let v = values
                            .iter()
                            .map(|s| parse_bool(s))
                            .collect::<Result<Vec<_>, _>>()?;
                        c.write_multiple_coils(*address, &v).await.map_err(failed)?;
                    }
                    (Table::Holding, 1) => {
                        let v = parse_register(values.first().map_or("", String::as_str))?;
                        c.write_single_register(*address, v).await.map_err(failed)?;
                    }
                    (Table::Holding, _) => {
                        let v = values
                            .iter()
                            .map(|s| parse_register(s))
                            .collect::<Result<Vec<_>, _>>()?;
                        c.write_multiple_registers(*address, &v)
                            .await
                            .map_err(failed)?;
                    }
                    _ => {
                        return Err(CliError::Usage(
                            "only coils and holding registers can be written".into(),
                        ));
                    }
                }
                if target.json {
                    Ok(
                        serde_json::json!({"unit": target.unit, "address": address, "written": n})
                            .to_string(),
                    )
                } else {
                    Ok(format!("wrote {n} value(s) at {address}"))
                }
            }
        }
    })
}
