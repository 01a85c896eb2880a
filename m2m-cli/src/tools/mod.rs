//! Field tools: a Modbus master and a Sparkplug listener on the family's async runners.

pub(crate) mod modbus;
pub(crate) mod sparkplug;
