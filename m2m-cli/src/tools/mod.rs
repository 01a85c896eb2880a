//! Field tools: a CoAP client, a Modbus master, a Sparkplug listener and an LwM2M server on the
//! family's runners.

pub(crate) mod coap;
pub(crate) mod lwm2m;
pub(crate) mod modbus;
pub(crate) mod sparkplug;
