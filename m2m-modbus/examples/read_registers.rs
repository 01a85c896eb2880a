//! The smallest Modbus master: read 10 holding registers from unit 1 of a Modbus/TCP device.
//!
//! ```sh
//! cargo run -p m2m-modbus --features tokio --example read_registers -- 127.0.0.1:502
//! ```

use m2m_modbus::tokio::{Client, Options};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:502".into())
        .parse()?;
    let client = Client::connect_with(addr, Options::default().unit(1)).await?;
    for (i, v) in client
        .read_holding_registers(0, 10)
        .await?
        .iter()
        .enumerate()
    {
        println!("{i:>3}: {v}");
    }
    Ok(())
}
