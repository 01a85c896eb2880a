//! Field tools: a CoAP client, a Modbus master and a Sparkplug listener on the family's runners.

pub(crate) mod coap;
pub(crate) mod modbus;
pub(crate) mod sparkplug;
