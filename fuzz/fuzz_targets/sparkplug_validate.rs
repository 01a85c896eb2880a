//! The validator on arbitrary bytes under every message type and a few contexts: never a panic;
//! a payload whose whole structure checks (`PayloadView::check`) validates without an error;
//! every violation names a rule whose tck-id reads back to it; SHOULD rules appear only when
//! asked for; and the violations with `should` are those without plus the SHOULD ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_sparkplug::validate::{Context, Level, Rule, Violation, validate, validate_topic};
use m2m_sparkplug::{MessageTopic, MessageType, PayloadView};

const TYPES: [MessageType<'static>; 9] = [
    MessageType::NBirth,
    MessageType::DBirth,
    MessageType::NData,
    MessageType::DData,
    MessageType::NDeath,
    MessageType::DDeath,
    MessageType::NCmd,
    MessageType::DCmd,
    MessageType::Unknown("X"),
];

fn run<'a>(
    view: &PayloadView<'a>,
    t: MessageType<'_>,
    ctx: &Context,
    out: &mut Vec<Violation<'a>>,
) -> bool {
    out.clear();
    validate(view, t, ctx, &mut |v| {
        assert_eq!(Rule::from_tck_id(v.rule.tck_id()), Some(v.rule));
        assert!(ctx.should || v.rule.level() == Level::Must);
        let _ = v.to_string();
        out.push(v);
    })
    .is_ok()
}

fuzz_target!(|data: &[u8]| {
    let (first, rest) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    if let Ok(s) = core::str::from_utf8(rest) {
        let mut parts = s.splitn(3, '/');
        let topic = MessageTopic {
            group: parts.next().unwrap_or(""),
            message_type: TYPES[usize::from(first) % TYPES.len()],
            edge_node: parts.next().unwrap_or(""),
            device: parts.next(),
        };
        let mut n = 0;
        validate_topic(&topic, &mut |_| n += 1);
        assert_eq!(n == 0, topic.validate().is_ok());
    }
    let Ok(view) = PayloadView::new(data) else {
        return;
    };
    let checked = view.check().is_ok();
    let contexts = [
        Context::default(),
        Context {
            expected_seq: Some(first),
            bd_seq: Some(u64::from(first)),
            aliases: Some(first & 1 == 0),
            should: false,
        },
    ];
    let (mut must, mut all) = (Vec::new(), Vec::new());
    for t in TYPES {
        for ctx in contexts {
            let ok = run(&view, t, &ctx, &mut must);
            if checked {
                assert!(ok, "a checked payload validates");
            }
            let ok_all = run(&view, t, &Context { should: true, ..ctx }, &mut all);
            assert_eq!(ok, ok_all);
            let without: Vec<_> = all
                .iter()
                .filter(|v| v.rule.level() == Level::Must)
                .copied()
                .collect();
            assert_eq!(without, must);
        }
    }
});
