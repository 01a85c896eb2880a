//! When a notification is due (OMA-TS-LightweightM2M_Core 1.1 §5.1.2 and §6.4.1; 1.2 §5.1.1):
//! a pure function of the attributes, what was last notified (value and time, the value read
//! at the evaluation before, a change held back), the new value and `now`, so a client (or a
//! test) can decide without any clock or state of its own.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::Timestamp;

use crate::attributes::Attributes;
use crate::value::Value;

/// What was last sent for an observation, and what the evaluations since have seen.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Last<'a> {
    /// When.
    pub at: Timestamp,
    /// The value sent (for a composite or object observation, pass the value of the resource
    /// whose change is being judged, or none).
    pub value: Option<Value<'a>>,
    /// The value read at the evaluation before this one, when there was one since the
    /// notification (`None`: the value sent). `edge` notifies a transition between two
    /// values read one after the other, which the value sent alone cannot show: sent `true`,
    /// then `false` (no rising edge), then `true` again (one).
    pub previous: Option<Value<'a>>,
    /// A change that made a notification due came while `pmin` held notifications back
    /// ([`Decision::held`]): it goes as soon as `pmin` ends, whatever the value is by then
    /// (Core 1.1 §5.1.2, "pmin").
    pub held: bool,
}

impl<'a> Last<'a> {
    /// What was sent at `at`, with no evaluation since.
    #[must_use]
    pub const fn sent(at: Timestamp, value: Option<Value<'a>>) -> Self {
        Last {
            at,
            value,
            previous: None,
            held: false,
        }
    }
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Decision {
    /// Send a notification now.
    pub notify: bool,
    /// When to ask again if nothing changes (the end of `pmin` for a change held back, the
    /// `pmax` deadline, or the next evaluation due by `epmax`); `None` if only a new value can
    /// make a notification due.
    pub next: Option<Timestamp>,
    /// Send it confirmable (`con=1`).
    pub confirmable: bool,
    /// A change made a notification due, and `pmin` holds it back until `next`: pass
    /// [`Last::held`] as `true` at the next evaluation, so that the change is not lost if the
    /// value changes back meanwhile.
    pub held: bool,
}

fn secs(s: u32) -> core::time::Duration {
    core::time::Duration::from_secs(u64::from(s))
}

fn number(v: &Value<'_>) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    match *v {
        Value::Int(i) | Value::Time(i) => Some(i as f64),
        Value::Uint(u) => Some(u as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

/// Whether `new` differs from `old` enough for the change attributes (§5.1.2): for numbers,
/// crossing `gt` or `lt` in either direction (from at or below to above, from at or above to
/// below), or changing by at least `st` (any of those set; a plain change otherwise); for booleans with `edge`, the chosen edge; otherwise any change.
#[must_use]
pub fn changed(attrs: &Attributes, old: Option<&Value<'_>>, new: &Value<'_>) -> bool {
    let Some(old) = old else { return true };
    if let (Some(a), Some(b)) = (number(old), number(new)) {
        if attrs.gt.is_none() && attrs.lt.is_none() && attrs.st.is_none() {
            // Integers of one kind compared as they are (past 2^53 they differ where their f64s
            // do not); anything else as numbers (an Int 5 read once as a Uint 5 is no change).
            return match (*old, *new) {
                (Value::Int(x), Value::Int(y)) | (Value::Time(x), Value::Time(y)) => x != y,
                (Value::Uint(x), Value::Uint(y)) => x != y,
                _ => a != b,
            };
        }
        // Crossing: from at or below the threshold to above it, or from at or above it to
        // below it (as Anjay and Wakaama read "crosses": reaching it is no crossing).
        let crossed = |t: Option<f64>| t.is_some_and(|t| (a <= t && b > t) || (a >= t && b < t));
        // A step of at least `st`, and a change (`st` 0 is any change, not every evaluation).
        let stepped = attrs.st.is_some_and(|st| a != b && (b - a).abs() >= st);
        return crossed(attrs.gt) || crossed(attrs.lt) || stepped;
    }
    if let (Value::Bool(a), Value::Bool(b), Some(edge)) = (old, new, attrs.edge) {
        return *a != *b && *b == edge;
    }
    old != new
}

/// Whether two values read one after the other make the Boolean edge `attrs` asks for.
fn edge_between(attrs: &Attributes, previous: Option<&Value<'_>>, new: &Value<'_>) -> bool {
    match (previous, new, attrs.edge) {
        (Some(Value::Bool(a)), Value::Bool(b), Some(edge)) => *a != *b && *b == edge,
        _ => false,
    }
}

/// Decides whether to notify now, given the observation's effective `attrs` (resource over
/// instance over object over the server defaults, see [`Attributes::over`]), what was sent
/// last, the current value and `now`:
///
/// - never sooner than `pmin` after the last notification (a change seen earlier is held back
///   until then, [`Decision::held`], and goes then whatever the value is, [`Last::held`]);
/// - always once `pmax` has passed since the last notification (`pmax` of 0, or below `pmin`,
///   is ignored);
/// - in between, when the value [`changed`] enough from the value sent, or made the `edge`
///   asked for from the value read before it ([`Last::previous`]).
///
/// `epmax` bounds how long the caller may go without evaluating: `next` is never later than
/// the last notification plus `epmax`.
#[must_use]
pub fn decide(
    attrs: &Attributes,
    last: Option<&Last<'_>>,
    new: &Value<'_>,
    now: Timestamp,
) -> Decision {
    let confirmable = attrs.con.unwrap_or(false);
    let Some(last) = last else {
        return Decision {
            notify: true,
            next: None,
            confirmable,
            held: false,
        };
    };
    let pmin = attrs.pmin.unwrap_or(0);
    let pmax = attrs.pmax.filter(|&p| p > 0 && p >= pmin);
    let pmin_end = last.at.checked_add(secs(pmin)).unwrap_or(last.at);
    let pmax_end = pmax.and_then(|p| last.at.checked_add(secs(p)));
    let eval_end = attrs
        .epmax
        .filter(|&e| e > 0)
        .and_then(|e| now.checked_add(secs(e)));
    let earliest = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
        (Some(x), Some(y)) => Some(if x < y { x } else { y }),
        (x, None) | (None, x) => x,
    };
    if pmax_end.is_some_and(|end| now >= end) && now >= pmin_end {
        return Decision {
            notify: true,
            next: None,
            confirmable,
            held: false,
        };
    }
    let change = last.held
        || changed(attrs, last.value.as_ref(), new)
        || edge_between(attrs, last.previous.as_ref(), new);
    if change && now >= pmin_end {
        return Decision {
            notify: true,
            next: None,
            confirmable,
            held: false,
        };
    }
    let held = change.then_some(pmin_end);
    Decision {
        notify: false,
        next: earliest(earliest(held, pmax_end), eval_end),
        confirmable,
        held: change,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> Timestamp {
        Timestamp::from_millis(s.saturating_mul(1000))
    }

    fn last(at: u64, v: f64) -> Last<'static> {
        Last::sent(t(at), Some(Value::Float(v)))
    }

    #[test]
    fn first_value_is_always_sent() {
        let d = decide(&Attributes::NONE, None, &Value::Float(1.0), t(0));
        assert!(d.notify);
    }

    #[test]
    fn integers_past_2_pow_53_change_exactly() {
        // 2^53 and 2^53 + 1 are the same f64; u64::MAX - 1 and u64::MAX too.
        let big = 1i64 << 53;
        let none = &Attributes::NONE;
        assert!(changed(none, Some(&Value::Int(big)), &Value::Int(big + 1)));
        assert!(changed(
            none,
            Some(&Value::Uint(u64::MAX - 1)),
            &Value::Uint(u64::MAX)
        ));
        assert!(!changed(none, Some(&Value::Int(big)), &Value::Int(big)));
        // The same number read as another kind is no change.
        assert!(!changed(none, Some(&Value::Int(5)), &Value::Uint(5)));
        assert!(!changed(none, Some(&Value::Int(5)), &Value::Float(5.0)));
    }

    #[test]
    fn pmin_holds_a_change_back_and_pmax_forces_one() {
        let a = Attributes {
            pmin: Some(10),
            pmax: Some(60),
            ..Attributes::NONE
        };
        let l = last(100, 20.0);
        let d = decide(&a, Some(&l), &Value::Float(21.0), t(105));
        assert_eq!(
            d,
            Decision {
                notify: false,
                next: Some(t(110)),
                confirmable: false,
                held: true,
            }
        );
        assert!(decide(&a, Some(&l), &Value::Float(21.0), t(110)).notify);
        // No change: wait for pmax.
        let d = decide(&a, Some(&l), &Value::Float(20.0), t(120));
        assert_eq!((d.notify, d.next), (false, Some(t(160))));
        assert!(decide(&a, Some(&l), &Value::Float(20.0), t(160)).notify);
        // pmax below pmin is ignored.
        let odd = Attributes {
            pmin: Some(60),
            pmax: Some(10),
            ..Attributes::NONE
        };
        let d = decide(&odd, Some(&l), &Value::Float(20.0), t(200));
        assert_eq!((d.notify, d.next), (false, None));
    }

    #[test]
    fn thresholds_and_steps() {
        let a = Attributes {
            gt: Some(25.0),
            lt: Some(10.0),
            st: Some(2.0),
            ..Attributes::NONE
        };
        let l = last(0, 20.0);
        let at = |v: f64| decide(&a, Some(&l), &Value::Float(v), t(1)).notify;
        assert!(!at(21.0)); // below the step, no threshold crossed
        assert!(at(22.0)); // a step of 2
        assert!(at(25.5)); // crossed gt upwards
        assert!(at(9.0)); // crossed lt downwards
        let above = last(0, 26.0);
        assert!(decide(&a, Some(&above), &Value::Float(24.9), t(1)).notify); // gt downwards
        let only_gt = Attributes {
            gt: Some(25.0),
            ..Attributes::NONE
        };
        assert!(!decide(&only_gt, Some(&l), &Value::Float(24.0), t(1)).notify);
        // Integers count as numbers.
        let li = Last::sent(t(0), Some(Value::Int(20)));
        assert!(decide(&only_gt, Some(&li), &Value::Int(30), t(1)).notify);
        // Reaching a threshold is no crossing; leaving it is one (as Anjay reads it): a value
        // that goes through the threshold by way of it is notified once.
        let to = |from: f64, v: f64| changed(&only_gt, Some(&Value::Float(from)), &Value::Float(v));
        assert!(!to(20.0, 25.0));
        assert!(to(25.0, 25.5));
        assert!(!to(26.0, 25.0));
        assert!(to(25.0, 24.0));
        assert!(to(26.0, 24.0));
        assert!(!to(25.0, 25.0));
        let only_lt = Attributes {
            lt: Some(10.0),
            ..Attributes::NONE
        };
        let to = |from: f64, v: f64| changed(&only_lt, Some(&Value::Float(from)), &Value::Float(v));
        assert!(!to(12.0, 10.0));
        assert!(to(10.0, 9.5));
        assert!(to(10.0, 11.0));
        assert!(!to(11.0, 12.0));
        // `st` 0: any change, and an unchanged value is none (it would be due at every
        // evaluation otherwise).
        let any_step = Attributes {
            st: Some(0.0),
            ..Attributes::NONE
        };
        let l = last(0, 20.0);
        assert!(!decide(&any_step, Some(&l), &Value::Float(20.0), t(1)).notify);
        assert!(decide(&any_step, Some(&l), &Value::Float(20.001), t(1)).notify);
    }

    #[test]
    fn edges_and_confirmable() {
        let rising = Attributes {
            edge: Some(true),
            con: Some(true),
            ..Attributes::NONE
        };
        let off = Last::sent(t(0), Some(Value::Bool(false)));
        let on = Last::sent(t(0), Some(Value::Bool(true)));
        let d = decide(&rising, Some(&off), &Value::Bool(true), t(1));
        assert!(d.notify && d.confirmable);
        assert!(!decide(&rising, Some(&on), &Value::Bool(false), t(1)).notify);
        assert!(decide(&Attributes::NONE, Some(&on), &Value::Bool(false), t(1)).notify);
        // Sent `true`, read `false` since (no rising edge), now `true`: a rising edge,
        // though the value is the one sent.
        let fell = Last {
            previous: Some(Value::Bool(false)),
            ..on
        };
        assert!(decide(&rising, Some(&fell), &Value::Bool(true), t(2)).notify);
        assert!(!decide(&rising, Some(&fell), &Value::Bool(false), t(2)).notify);
        // The falling edge is the other one.
        let falling = Attributes {
            edge: Some(false),
            ..Attributes::NONE
        };
        let rose = Last {
            previous: Some(Value::Bool(true)),
            ..off
        };
        assert!(decide(&falling, Some(&rose), &Value::Bool(false), t(2)).notify);
        assert!(!decide(&falling, Some(&rose), &Value::Bool(true), t(2)).notify);
    }

    #[test]
    fn a_change_held_by_pmin_goes_when_pmin_ends() {
        let a = Attributes {
            pmin: Some(10),
            gt: Some(25.0),
            ..Attributes::NONE
        };
        // 20 sent at 0; 26 at 2 crosses gt, held until 10.
        let l = last(0, 20.0);
        let d = decide(&a, Some(&l), &Value::Float(26.0), t(2));
        assert_eq!((d.notify, d.next, d.held), (false, Some(t(10)), true));
        // Back at 20 by 10: the crossing still goes.
        let held = Last { held: true, ..l };
        assert!(decide(&a, Some(&held), &Value::Float(20.0), t(10)).notify);
        assert!(!decide(&a, Some(&held), &Value::Float(20.0), t(6)).notify);
        // Without the crossing nothing was held.
        assert!(!decide(&a, Some(&l), &Value::Float(20.0), t(10)).notify);
        assert!(!decide(&a, Some(&l), &Value::Float(21.0), t(2)).held);
    }

    #[test]
    fn epmax_bounds_the_next_evaluation() {
        let a = Attributes {
            pmax: Some(300),
            epmax: Some(30),
            ..Attributes::NONE
        };
        let d = decide(&a, Some(&last(0, 1.0)), &Value::Float(1.0), t(10));
        assert_eq!((d.notify, d.next), (false, Some(t(40))));
    }
}
