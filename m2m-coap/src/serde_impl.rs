//! The serde form of a message (feature `serde`): what the `m2m` command line prints.
//!
//! Option values are written by their registered format (design.md §9): a uint as a number, a
//! string as a string, anything else (opaque, empty, unregistered) as lowercase hex. A string
//! option whose bytes are not UTF-8 is written as hex under `value_hex` instead of `value`. The
//! token and payload are hex. A response of the blocking client (feature `std`) is written with
//! its options in the same form.

use core::fmt::{self, Write as _};

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::code::Code;
use crate::message::Message;
use crate::option::number::signaling;
use crate::option::value::decode_uint;
use crate::option::{CoapOption, Format, OptionDef, Options};

/// Bytes written as lowercase hex, without allocating.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Hex<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The registry entry of an option in a message with this code.
fn def_of(code: Code, o: &CoapOption<'_>) -> Option<OptionDef> {
    if code.is_signaling() {
        signaling::lookup(code, o.number)
    } else {
        o.number.def().copied()
    }
}

/// One option, with its value written by its format.
struct Opt<'a> {
    code: Code,
    opt: CoapOption<'a>,
}

impl Serialize for Opt<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let def = def_of(self.code, &self.opt);
        let mut st = s.serialize_struct("Option", 3)?;
        st.serialize_field("number", &self.opt.number.0)?;
        st.serialize_field("name", &def.map(|d| d.name))?;
        let v = self.opt.value;
        match def.map(|d| d.format) {
            Some(Format::Uint) if v.len() <= 4 => {
                st.serialize_field("value", &decode_uint(v).unwrap_or(0))?;
            }
            Some(Format::String) => match core::str::from_utf8(v) {
                Ok(text) => st.serialize_field("value", text)?,
                // Not UTF-8 (the option is also named in `bad_option`): hex under its own
                // name, or it would read as the text of those hex digits.
                Err(_) => st.serialize_field("value_hex", &Hex(v))?,
            },
            _ => st.serialize_field("value", &Hex(v))?,
        }
        st.end()
    }
}

/// The options of a message with this code, each as [`Opt`]: the one form of options that both
/// a message and a response of the blocking client are written in.
struct Opts<'a> {
    code: Code,
    options: Options<'a>,
}

impl Serialize for Opts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for opt in self.options.clone() {
            seq.serialize_element(&Opt {
                code: self.code,
                opt,
            })?;
        }
        seq.end()
    }
}

/// The code as `c.dd` with its name, e.g. `"0.01 GET"`, for people reading the output.
struct CodeText(Code);

impl Serialize for CodeText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = heapless_str::Buf::new();
        let _ = write!(buf, "{}", self.0);
        s.serialize_str(buf.as_str())
    }
}

/// A tiny stack string, enough for a code's `c.dd`.
mod heapless_str {
    pub(super) struct Buf {
        bytes: [u8; 8],
        len: usize,
    }

    impl Buf {
        pub(super) fn new() -> Self {
            Buf {
                bytes: [0; 8],
                len: 0,
            }
        }

        pub(super) fn as_str(&self) -> &str {
            self.bytes
                .get(..self.len)
                .and_then(|b| core::str::from_utf8(b).ok())
                .unwrap_or_default()
        }
    }

    impl core::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
            let dst = self.bytes.get_mut(self.len..end).ok_or(core::fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
}

/// `{"transport", "type", "code", "code_name", "message_id", "token", "options", "payload",
/// "bad_option"}`; `type` and `message_id` are null over TCP and WebSocket.
impl Serialize for Message<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Message", 9)?;
        st.serialize_field("transport", &self.transport())?;
        st.serialize_field("type", &self.ty())?;
        st.serialize_field("code", &CodeText(self.code()))?;
        st.serialize_field("code_name", &self.code().name())?;
        st.serialize_field("message_id", &self.message_id())?;
        st.serialize_field("token", &Hex(self.token()))?;
        st.serialize_field(
            "options",
            &Opts {
                code: self.code(),
                options: self.options(),
            },
        )?;
        st.serialize_field("payload", &Hex(self.payload()))?;
        st.serialize_field("bad_option", &self.bad_option())?;
        st.end()
    }
}

/// `{"code", "content_format", "observe", "options", "payload"}`: the options in the form of a
/// message's (those of the last block, for a body in Block2 blocks), the payload in hex.
#[cfg(feature = "std")]
impl Serialize for crate::blocking::Response {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Response", 5)?;
        st.serialize_field("code", &CodeText(self.code))?;
        st.serialize_field("content_format", &self.content_format.map(|c| c.0))?;
        st.serialize_field("observe", &self.observe)?;
        st.serialize_field(
            "options",
            &Opts {
                code: self.code,
                options: self.options(),
            },
        )?;
        st.serialize_field("payload", &Hex(&self.payload))?;
        st.end()
    }
}
