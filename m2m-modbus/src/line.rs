//! The timing of a serial line (Modbus over Serial Line V1.02 §2.5.1.1, "MODBUS Message RTU
//! Framing"): the time of one character from the baud rate and the character format, and the
//! two silences RTU is built on.
//!
//! - **t3.5**: a frame starts and ends with a silence of at least 3.5 characters; a sender waits
//!   for it before each frame.
//! - **t1.5**: within a frame, characters follow each other with less than 1.5 characters of
//!   silence, so a sender writes a frame in one go.
//!
//! Above 19200 baud the guide fixes them at 750 µs (t1.5) and 1.750 ms (t3.5), so that a receiver
//! at a high rate need not time fractions of a millisecond.
//!
//! Nothing here reads a clock: the durations are for the caller's timers.

use core::time::Duration;

/// Parity of a character (§2.5.1: even by default; none needs two stop bits to keep 11 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Parity {
    /// No parity bit.
    None,
    /// Even parity, the default of the guide.
    #[default]
    Even,
    /// Odd parity.
    Odd,
}

/// Baud rate and character format of a serial line.
///
/// [`Line::default`] is the guide's default for RTU: 19200 baud, 8 data bits, even parity, one
/// stop bit (11 bits a character, §2.5.1). For ASCII (§2.5.2) use 7 data bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Line {
    /// Bits per second (at least 1 is used).
    pub baud_rate: u32,
    /// Data bits of a character: 8 for RTU, 7 for ASCII (5..=8).
    pub data_bits: u8,
    /// The parity bit.
    pub parity: Parity,
    /// Stop bits (1 or 2).
    pub stop_bits: u8,
}

impl Default for Line {
    fn default() -> Self {
        Line::new(19200)
    }
}

/// Baud rates above this use the fixed silences of §2.5.1.1.
const FIXED_ABOVE: u32 = 19200;
/// t1.5 above 19200 baud.
const FIXED_T1_5: Duration = Duration::from_micros(750);
/// t3.5 above 19200 baud.
const FIXED_T3_5: Duration = Duration::from_micros(1750);

impl Line {
    /// `baud_rate` with the default RTU format 8E1.
    #[must_use]
    pub const fn new(baud_rate: u32) -> Self {
        Line {
            baud_rate,
            data_bits: 8,
            parity: Parity::Even,
            stop_bits: 1,
        }
    }

    /// The same line with another character format.
    #[must_use]
    pub const fn format(mut self, data_bits: u8, parity: Parity, stop_bits: u8) -> Self {
        self.data_bits = data_bits;
        self.parity = parity;
        self.stop_bits = stop_bits;
        self
    }

    /// Bits on the wire per character: start bit, data bits, parity bit, stop bits.
    #[must_use]
    pub const fn bits_per_char(&self) -> u32 {
        let parity = match self.parity {
            Parity::None => 0,
            Parity::Even | Parity::Odd => 1,
        };
        1 + self.data_bits as u32 + parity + self.stop_bits as u32
    }

    /// Time to send `chars` characters back to back.
    #[must_use]
    pub fn chars(&self, chars: usize) -> Duration {
        let bits = u128::from(self.bits_per_char()).saturating_mul(chars as u128);
        let nanos = bits.saturating_mul(1_000_000_000) / u128::from(self.baud_rate.max(1));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The time of one character.
    #[must_use]
    pub fn char_time(&self) -> Duration {
        self.chars(1)
    }

    /// The longest silence allowed inside a frame: 1.5 characters, 750 µs above 19200 baud.
    #[must_use]
    pub fn t1_5(&self) -> Duration {
        if self.baud_rate > FIXED_ABOVE {
            FIXED_T1_5
        } else {
            self.chars(3) / 2
        }
    }

    /// The silence between frames: 3.5 characters, 1.750 ms above 19200 baud.
    #[must_use]
    pub fn t3_5(&self) -> Duration {
        if self.baud_rate > FIXED_ABOVE {
            FIXED_T3_5
        } else {
            self.chars(7) / 2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silences_follow_the_character_time_up_to_19200_baud() {
        // 9600 baud 8E1: 11 bits, 1145.833 µs a character.
        let l = Line::new(9600);
        assert_eq!(l.bits_per_char(), 11);
        assert_eq!(l.char_time(), Duration::from_nanos(1_145_833));
        assert_eq!(l.t1_5(), Duration::from_nanos(1_718_750));
        assert_eq!(l.t3_5(), Duration::from_nanos(4_010_416));
        // 19200 is the last rate that scales: 3.5 x 11 bits = 2.005 ms.
        let d = Line::default();
        assert_eq!(d, Line::new(19200));
        assert_eq!(d.t3_5(), Duration::from_nanos(2_005_208));
        // 8N1 is 10 bits; ASCII's 7E1 too.
        let n = Line::new(9600).format(8, Parity::None, 1);
        assert_eq!(n.bits_per_char(), 10);
        assert_eq!(
            Line::new(9600).format(7, Parity::Even, 1).bits_per_char(),
            10
        );
        assert_eq!(n.chars(10), Duration::from_nanos(10_416_666));
    }

    #[test]
    fn silences_are_fixed_above_19200_baud() {
        for baud in [19201, 38400, 115_200, 921_600] {
            let l = Line::new(baud);
            assert_eq!(l.t1_5(), Duration::from_micros(750));
            assert_eq!(l.t3_5(), Duration::from_micros(1750));
        }
        // A zero rate is read as 1 baud, not a division by zero.
        assert_eq!(Line::new(0).char_time(), Duration::from_secs(11));
    }
}
