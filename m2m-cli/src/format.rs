//! The format names of design.md §9 and what each one is.

use clap::ValueEnum;

/// Every format the command line knows by name. Whether it is implemented yet is up to
/// [`crate::codec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Modbus/TCP request (MBAP header + PDU)
    #[value(name = "modbus-tcp-req")]
    ModbusTcpReq,
    /// Modbus/TCP response (MBAP header + PDU)
    #[value(name = "modbus-tcp-rsp")]
    ModbusTcpRsp,
    /// Modbus RTU request (address + PDU + CRC-16)
    #[value(name = "modbus-rtu-req")]
    ModbusRtuReq,
    /// Modbus RTU response (address + PDU + CRC-16)
    #[value(name = "modbus-rtu-rsp")]
    ModbusRtuRsp,
    /// Modbus ASCII request (':' address PDU LRC CRLF; the text, or hex of its characters)
    #[value(name = "modbus-ascii-req")]
    ModbusAsciiReq,
    /// Modbus ASCII response (':' address PDU LRC CRLF; the text, or hex of its characters)
    #[value(name = "modbus-ascii-rsp")]
    ModbusAsciiRsp,
    /// CoAP message over UDP (RFC 7252)
    #[value(name = "coap")]
    Coap,
    /// CoAP message over TCP/TLS (RFC 8323)
    #[value(name = "coap-tcp")]
    CoapTcp,
    /// CoAP message over WebSocket (RFC 8323)
    #[value(name = "coap-ws")]
    CoapWs,
    /// LwM2M TLV body (content format 11542)
    #[value(name = "lwm2m-tlv")]
    Lwm2mTlv,
    /// LwM2M SenML JSON body (content format 110)
    #[value(name = "lwm2m-senml-json")]
    Lwm2mSenmlJson,
    /// LwM2M SenML CBOR body (content format 112)
    #[value(name = "lwm2m-senml-cbor")]
    Lwm2mSenmlCbor,
    /// LwM2M CBOR body (content format 11544)
    #[value(name = "lwm2m-cbor")]
    Lwm2mCbor,
    /// LwM2M 1.0 legacy JSON body (content format 11543); names without `bn` are relative to --path
    #[value(name = "lwm2m-json")]
    Lwm2mJson,
    /// CoRE link format (RFC 6690), as LwM2M registration and discovery use it
    #[value(name = "lwm2m-link")]
    Lwm2mLink,
    /// Sparkplug B protobuf payload
    #[value(name = "sparkplug-payload")]
    SparkplugPayload,
    /// Sparkplug B MQTT topic
    #[value(name = "sparkplug-topic")]
    SparkplugTopic,
}

impl Format {
    /// The name on the command line.
    pub(crate) fn name(self) -> String {
        self.to_possible_value()
            .map_or_else(|| format!("{self:?}"), |v| v.get_name().to_owned())
    }

    /// Formats whose input may be given as text with `--text`.
    pub(crate) fn is_text(self) -> bool {
        self.is_modbus_ascii()
            || matches!(
                self,
                Format::Lwm2mSenmlJson
                    | Format::Lwm2mJson
                    | Format::Lwm2mLink
                    | Format::SparkplugTopic
            )
    }

    /// Modbus ASCII, whose frames are text: given as hex of their characters, or as the text.
    pub(crate) fn is_modbus_ascii(self) -> bool {
        matches!(self, Format::ModbusAsciiReq | Format::ModbusAsciiRsp)
    }
}
