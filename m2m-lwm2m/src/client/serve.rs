//! How the client serves a server's request: the checks every request passes, the Block2 and
//! Block1 options around it, and the operation (Read, Discover, Observe, Write,
//! Write-Attributes, Execute, Create, Delete, the composite operations) on the tree.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::Message;

use super::blocks::{Cut, HEADROOM};
use super::bootstrap::bootstrap_discover;
use super::*;
use crate::link;
use crate::upload::{Step, Upload};
use crate::value::Value;

impl<
    'c,
    P: Copy + Eq,
    const N: usize,
    const B: usize,
    const O: usize,
    const A: usize,
    const C: usize,
> Client<'c, P, N, B, O, A, C>
{
    /// Serves the request `message` from `peer` on `exchange`; a body in Block1 blocks is
    /// streamed to the tree (one resource's value), or put together in `upload` when lent.
    pub(super) fn serve<T: ObjectTree + ?Sized, const U: usize>(
        &mut self,
        now: Timestamp,
        (peer, exchange): (P, &Exchange<P>),
        message: &Message<'_>,
        tree: &mut T,
        upload: Option<&mut Upload<P, U>>,
    ) -> Result<(), SessionError> {
        let asked = Asked::of(message);
        if let Some(a) = asked.ok().filter(Asked::block1_part) {
            return match self.blocks_in(now, peer, message, a, tree, upload) {
                BodyIn::Answer(answer) => self.respond(now, exchange, answer, None, &[]),
                BodyIn::Whole(body, k) => {
                    // The request is the last block's options with the whole body; its answer
                    // carries that block's Block1 (RFC 7959 §2.3).
                    let whole = message.with_payload(body);
                    let asked = Ok(Asked {
                        block1: None,
                        size1: None,
                        ..a
                    });
                    let req = ClientRequest::parse(&whole);
                    self.serve_request(now, exchange, req, asked, tree, Some(k))
                }
            };
        }
        self.serve_request(
            now,
            exchange,
            ClientRequest::parse(message),
            asked,
            tree,
            None,
        )
    }

    /// A body in Block1 blocks: the value of one resource streamed to the tree
    /// ([`block_write`]), any other body put together in `upload` when lent (4.13 otherwise).
    fn blocks_in<'u, T: ObjectTree + ?Sized, const U: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        message: &Message<'_>,
        a: Asked,
        tree: &mut T,
        upload: Option<&'u mut Upload<P, U>>,
    ) -> BodyIn<'u> {
        let Some(k) = a.block1 else {
            return BodyIn::Answer(Answer::code(Code::BAD_REQUEST));
        };
        // A body under way in the room lent goes on there.
        let upload = match upload {
            Some(u) if k.num > 0 && u.has(peer, message) => {
                // Each block is a request of the bootstrap server's: the Bootstrap stays alive.
                if self.bootstrapping.is_some() {
                    self.bootstrapping = Some(bootstrap_deadline(now));
                }
                return assemble(u, now, peer, message, k);
            }
            other => other,
        };
        // The checks every request passes come at its first block.
        let req = match ClientRequest::parse(message) {
            Ok(r) => r,
            Err(e) => return BodyIn::Answer(refusal(&e)),
        };
        let bootstrap = match self.gate(now, &req) {
            Ok(b) => b,
            Err(a) => return BodyIn::Answer(a),
        };
        if let ClientRequest::Write {
            path,
            replace: true,
            format,
            payload,
        } = req
        {
            let taken = block_write::take(
                &mut self.incoming,
                now,
                tree,
                (path, format, payload),
                (k, a.size1),
                bootstrap,
                &self.config,
            );
            if let Some(e) = taken.abandoned {
                self.push_event(e);
            }
            if !taken.declined {
                return BodyIn::Answer(taken.answer);
            }
        }
        match upload {
            // The client has one server: its first block is a new body, whatever the room
            // held (a transfer it gave up).
            Some(u) => {
                if k.num == 0 {
                    u.clear();
                }
                assemble(u, now, peer, message, k)
            }
            // No room to put it together: 4.13 with Size1, what one message takes (§2.9.3).
            None => BodyIn::Answer(Answer {
                extra: Some((OptionNumber::SIZE1, size1_of(B.saturating_sub(HEADROOM)))),
                ..Answer::code(Code::REQUEST_ENTITY_TOO_LARGE)
            }),
        }
    }

    /// Answers the request `req` (with `asked` of its answer's blocks; `echo`, the Block1 of
    /// the last block of a body put together).
    fn serve_request<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        exchange: &Exchange<P>,
        req: Result<ClientRequest<'_>, Error>,
        asked: Result<Asked, Code>,
        tree: &mut T,
        echo: Option<Block>,
    ) -> Result<(), SessionError> {
        let mut out = [0u8; B];
        let mut window = asked.unwrap_or_default().window(&mut out, B);
        // A request that may change the Server object (one to it or to the root, or one
        // without a path: a composite, Bootstrap-Finish) has the defaults read again.
        let server_object = req.as_ref().is_ok_and(|r| {
            r.path().is_none_or(|p| {
                p.depth() == 0 || (p.object_id() == Some(1) && p.prefix().is_none())
            })
        });
        let mut answer = match (req, asked) {
            (Err(e), _) => refusal(&e),
            (Ok(_), Err(code)) => Answer::code(code),
            // A later block of an Observe's answer is read: it registers nothing (RFC 7959
            // §2.6), whatever Observe it carries.
            // (Through `answer`, for its checks: the Security object stays closed.)
            (Ok(ClientRequest::Observe { path, accept }), Ok(a)) if a.later_block() => {
                let r = ClientRequest::Read { path, accept };
                self.answer(now, exchange, r, tree, &mut window)
            }
            (
                Ok(ClientRequest::Composite {
                    observe: Some(0),
                    format,
                    accept,
                    payload,
                }),
                Ok(a),
            ) if a.later_block() => {
                let r = ClientRequest::Composite {
                    observe: None,
                    format,
                    accept,
                    payload,
                };
                self.answer(now, exchange, r, tree, &mut window)
            }
            (Ok(r), Ok(_)) => self.answer(now, exchange, r, tree, &mut window),
        };
        if server_object {
            if let Some(lifetime) = self.refresh_defaults(tree) {
                self.lifetime_written(now, lifetime);
            }
            self.refresh_binding(now, tree);
        }
        let body = window.finish();
        // A body larger than one message goes in blocks; a block past its end is an error,
        // and an observation it would have begun does not begin.
        let mut cut = None;
        if answer.format.is_some() {
            let asked = asked.unwrap_or_default();
            match asked.cut(body, B) {
                Ok(c) => {
                    cut = Some(c);
                    // Its notifications keep to the block size it asked for.
                    if let (Some(_), Some(k), Some(t)) =
                        (answer.observe, asked.block, Token::new(exchange.token()))
                    {
                        self.observed_in_blocks_of(t, k.szx);
                    }
                }
                Err(code) => {
                    if answer.observe.is_some() {
                        if let Some(t) = Token::new(exchange.token()) {
                            self.forget_token(t);
                        }
                    }
                    answer = Answer::code(code);
                }
            }
        }
        if answer.block1.is_none() {
            answer.block1 = echo;
        }
        self.respond(now, exchange, answer, cut, &out)?;
        // Disable: answered first, then De-register (Core 1.1 Appendix E.2).
        self.disable_now(now)
    }

    /// Sends `answer` on `exchange`, with its payload (the first bytes of `out`, as `cut`
    /// says).
    fn respond(
        &mut self,
        now: Timestamp,
        exchange: &Exchange<P>,
        answer: Answer,
        cut: Option<Cut>,
        out: &[u8],
    ) -> Result<(), SessionError> {
        let mut b = Builder::<8>::udp(Type::Acknowledgement, answer.code, 0);
        let mut scratch = Strings::<32>::new();
        if let Some(seq) = answer.observe {
            b.uint(OptionNumber::OBSERVE, seq)
                .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
        }
        if let Some((o, i)) = answer.created {
            let a = scratch.push_fmt(format_args!("{o}"))?;
            let c = scratch.push_fmt(format_args!("{i}"))?;
            for s in [a, c] {
                b.str(
                    OptionNumber::LOCATION_PATH,
                    scratch.get(s).unwrap_or_default(),
                )
                .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
            }
        }
        if let Some(k) = answer.block1 {
            b.uint(OptionNumber::BLOCK1, k.to_uint())
                .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
        }
        if let Some((number, value)) = answer.extra {
            b.uint(number, value)
                .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
        }
        if let (Some(f), Some(c)) = (answer.format, cut) {
            b.uint(OptionNumber::CONTENT_FORMAT, u32::from(f.0))
                .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
            c.options(&mut b)?;
            b.payload(out.get(..c.len).unwrap_or_default());
        } else if let Some(text) = answer.diagnostic {
            b.payload(text.as_bytes());
        }
        // A Non-confirmable request's answer needs a message slot of its own: without room it
        // is dropped (the server asks again), never an error that would end the client.
        crate::server::no_room_is_no_error(self.endpoint.respond(now, exchange, &b))?;
        Ok(())
    }

    /// The checks every request of a server passes before its operation, whose answer it is
    /// otherwise; `Ok` says whether it comes during a Bootstrap (and keeps the Bootstrap
    /// alive).
    fn gate(&mut self, now: Timestamp, req: &ClientRequest<'_>) -> Result<bool, Answer> {
        // A Bootstrap-Write or -Delete may come before the 2.04 to the Bootstrap-Request does.
        let bootstrap =
            self.bootstrapping.is_some() || matches!(self.state, State::Bootstrapping(_));
        if self.bootstrapping.is_some() {
            self.bootstrapping = Some(bootstrap_deadline(now));
        }
        // The Security and OSCORE objects are the bootstrap server's alone (Core 1.1,
        // Appendix E): a server gets 4.01 for them.
        if !bootstrap
            && req
                .path()
                .and_then(|p| p.object_id())
                .is_some_and(is_account_object)
        {
            return Err(Answer::code(Code::UNAUTHORIZED));
        }
        // No Device Management operation names the root (Discover of `/` is the bootstrap
        // server's).
        if !bootstrap && req.path().is_some_and(|p| p.depth() == 0) {
            return Err(Answer::code(Code::METHOD_NOT_ALLOWED));
        }
        // Bootstrap-Read is for the Server and Access Control objects alone (Core 1.1
        // Bootstrap Interface): the keys are not read back.
        if let (true, ClientRequest::Read { path, .. }) = (bootstrap, req) {
            if !matches!(path.object_id(), Some(1 | 2)) {
                return Err(Answer::code(Code::BAD_REQUEST));
            }
        }
        // The Bootstrap Interface has Read, Discover, Write (PUT), Delete and Finish alone
        // (Core 1.1 §5.2.7): an Observe would read the keys, an Execute reboot the device
        // (4.05, as Leshan and Anjay answer).
        let bootstrap_op = matches!(
            req,
            ClientRequest::Read { .. }
                | ClientRequest::Discover { .. }
                | ClientRequest::Write { replace: true, .. }
                | ClientRequest::Delete { .. }
                | ClientRequest::BootstrapFinish
        );
        if bootstrap && !bootstrap_op {
            return Err(Answer::code(Code::METHOD_NOT_ALLOWED));
        }
        Ok(bootstrap)
    }

    fn answer<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        exchange: &Exchange<P>,
        req: ClientRequest<'_>,
        tree: &mut T,
        out: &mut Window<'_>,
    ) -> Answer {
        let bootstrap = match self.gate(now, &req) {
            Ok(b) => b,
            Err(a) => return a,
        };
        match req {
            ClientRequest::Read { path, accept } => read(tree, &path, accept, out),
            ClientRequest::Observe { path, accept } => {
                let mut a = read(tree, &path, accept, out);
                if a.code == Code::CONTENT {
                    let seq = self.observe(
                        now,
                        exchange,
                        &path,
                        a.format.unwrap_or(ContentFormat::TEXT_PLAIN),
                        tree,
                    );
                    a.observe = seq;
                }
                a
            }
            ClientRequest::CancelObserve { path, accept } => {
                // The observation under this token, and no other of the same path (RFC 7641
                // §3.6: a GET with Observe 1 and the observation's token).
                if let Some(t) = Token::new(exchange.token()) {
                    for o in &mut self.observations {
                        if o.is_some_and(|o| o.token == t) {
                            *o = None;
                        }
                    }
                }
                read(tree, &path, accept, out)
            }
            // Bootstrap-Discover: objects and instances with their accounts' ids.
            ClientRequest::Discover { path } if bootstrap => {
                let version = self.settings.version.unwrap_or(link::Version::V1_0);
                bootstrap_discover(tree, &path, version, out)
            }
            ClientRequest::Discover { path } => self.discover(tree, &path, out),
            ClientRequest::Write {
                path,
                replace,
                format,
                payload,
            } => write(
                tree,
                path,
                (replace, bootstrap),
                format,
                payload,
                &self.config,
            ),
            ClientRequest::WriteAttributes { path, update } => {
                // Attributes of a path the tree does not have are refused, as a Read of it
                // would be (and take no slot).
                let mut probe = RecordBuf::<'_, 32>::new();
                let read = tree.read(&path, &mut probe);
                if read == Err(Code::NOT_FOUND) {
                    return Answer::code(Code::NOT_FOUND);
                }
                // The change attributes judge one numeric value: a resource's or a resource
                // instance's, not an object's or an instance's (Leshan and Wakaama refuse them
                // there too).
                let set = |c: Option<crate::attributes::Change<f64>>| {
                    matches!(c, Some(crate::attributes::Change::Set(_)))
                };
                let change = set(update.gt) || set(update.lt) || set(update.st);
                if path.depth() < 3 && change {
                    return Answer::code(Code::BAD_REQUEST);
                }
                // What each attribute applies to (Core 1.2 Table 7.3.2-1): a resource that
                // cannot be read (an executable one) takes none; the change attributes need
                // a number, `edge` a boolean (Leshan refuses the others too).
                let values = || probe.as_slice().iter().filter_map(|r| r.value);
                let edge = matches!(update.edge, Some(crate::attributes::Change::Set(_)));
                if (path.depth() >= 3 && read == Err(Code::METHOD_NOT_ALLOWED))
                    || (change
                        && values().any(|v| {
                            // Time too: the notify decision compares times as numbers.
                            !matches!(
                                v,
                                Value::Int(_) | Value::Uint(_) | Value::Float(_) | Value::Time(_)
                            )
                        }))
                    || (edge
                        && (path.depth() < 3 || values().any(|v| !matches!(v, Value::Bool(_)))))
                {
                    return Answer::code(Code::BAD_REQUEST);
                }
                // An end device's attributes are its own: the prefix is kept with the path.
                let Some(key) = kept::KeptPath::keep(&path) else {
                    return Answer::code(Code::INTERNAL_SERVER_ERROR);
                };
                let current = self
                    .attributes
                    .iter()
                    .flatten()
                    .find(|(k, _)| *k == key)
                    .map(|(_, a)| *a);
                match update.apply(&current.unwrap_or(Attributes::NONE)) {
                    Err(_) => Answer::code(Code::BAD_REQUEST),
                    Ok(a) => {
                        let slot = self
                            .attributes
                            .iter()
                            .position(|s| s.is_some_and(|(k, _)| k == key))
                            .or_else(|| self.attributes.iter().position(Option::is_none));
                        let Some(s) = slot.and_then(|i| self.attributes.get_mut(i)) else {
                            return Answer::code(Code::INTERNAL_SERVER_ERROR);
                        };
                        let before = core::mem::replace(s, (!a.is_none()).then_some((key, a)));
                        // The rules hold for what applies: the attributes of this path and of
                        // every path below it with its own, each over the levels above it
                        // (`epmin=10` on an object and `epmax=5` on one of its resources
                        // would not).
                        let broken = !self.effective_holds(&path);
                        if broken {
                            if let Some(s) = slot.and_then(|i| self.attributes.get_mut(i)) {
                                *s = before;
                            }
                            return Answer::code(Code::BAD_REQUEST);
                        }
                        Answer::code(Code::CHANGED)
                    }
                }
            }
            // Arguments that are not `0='v',1,...` (1.0 §5.4.5, Core 1.1 §6.3.5) are the server's error,
            // before the tree sees them (Leshan's client answers them with 4.00 too).
            ClientRequest::Execute { args, .. }
                if crate::interface::args(args).any(|a| a.is_err()) =>
            {
                Answer::code(Code::BAD_REQUEST)
            }
            ClientRequest::Execute { path, args } => {
                let trigger = trigger(&path).filter(|_| {
                    // Of a Server instance the tree has, the one of this client's server when
                    // it is known (another account's Disable is not this server's).
                    let mut buf = RecordBuf::<'_, 32>::new();
                    let instance = path.parent().unwrap_or(path);
                    let own = account::server_instance(tree, self.ssid)
                        .is_none_or(|j| path.instance_id() == Some(j));
                    own && tree.read(&instance, &mut buf).is_ok()
                });
                // The client acts on the triggers itself, whether or not the tree does anything
                // with them too (a tree without the resource refuses it, 4.04 or 4.05); any other
                // refusal of the tree stands.
                match (tree.execute(&path, args), trigger) {
                    (Ok(()), None) => Answer::code(Code::CHANGED),
                    (Err(c), None) => Answer::code(c),
                    (Err(c), Some(_)) if c != Code::NOT_FOUND && c != Code::METHOD_NOT_ALLOWED => {
                        Answer::code(c)
                    }
                    (_, Some(t)) => {
                        match t {
                            Trigger::Update => self.update_soon(now),
                            Trigger::Disable => {
                                self.disable = Some(account::disable_timeout(tree, &path));
                            }
                            Trigger::Bootstrap => self.push_event(ClientEvent::BootstrapRequested),
                        }
                        Answer::code(Code::CHANGED)
                    }
                }
            }
            ClientRequest::Create {
                path,
                format,
                payload,
            } => {
                let a = create(tree, path, format, payload, &self.config);
                self.objects_changed |= a.code == Code::CREATED && !bootstrap;
                a
            }
            ClientRequest::Delete { path } if bootstrap => bootstrap_delete(tree, path),
            // A server deletes object instances (and resource instances, 1.2), nothing wider
            // or between.
            ClientRequest::Delete { path } if !matches!(path.depth(), 2 | 4) => {
                Answer::code(Code::METHOD_NOT_ALLOWED)
            }
            ClientRequest::Delete { path } => match tree.delete(&path) {
                Ok(()) => {
                    self.objects_changed |= path.depth() == 2;
                    Answer::code(Code::DELETED)
                }
                Err(c) => Answer::code(c),
            },
            // Bootstrap-Finish ends a Bootstrap only (a server's is refused as its writes of
            // the accounts are), and only when the accounts left can be used: otherwise 4.06,
            // and the bootstrap server may mend them and finish again.
            ClientRequest::BootstrapFinish if !bootstrap => Answer::code(Code::UNAUTHORIZED),
            ClientRequest::BootstrapFinish => match check_accounts(tree) {
                Ok(()) => {
                    self.bootstrapping = None;
                    // A Finish that overtook the 2.04 to the Bootstrap-Request ends it too.
                    if matches!(self.state, State::Bootstrapping(_)) {
                        self.state = State::Idle;
                    }
                    // A successful Bootstrap starts the Bootstrap-Server Account Timeout
                    // (Core 1.1 §6.1, Client Initiated Bootstrap step 3) as the accounts now
                    // say: a timeout of 0, or none, stops one running.
                    self.purge_at = bootstrap_account(tree).and_then(|bs| {
                        let at = now.checked_add(secs(u64::from(bs.timeout?)));
                        Some((at.unwrap_or(Timestamp::from_millis(u64::MAX)), bs.security))
                    });
                    self.fallback_finished();
                    self.push_event(ClientEvent::BootstrapFinished);
                    Answer::code(Code::CHANGED)
                }
                Err(why) => Answer {
                    diagnostic: Some(why.0),
                    ..Answer::code(Code::NOT_ACCEPTABLE)
                },
            },
            ClientRequest::Composite {
                observe: None,
                format,
                accept,
                payload,
            } => read_composite(tree, format, accept, payload, out),
            ClientRequest::Composite {
                observe: Some(o @ (0 | 1)),
                format,
                accept,
                payload,
            } => {
                let mut paths = [Path::ROOT; composite::MAX_PATHS];
                let paths = match composite_paths(format, payload, &mut paths) {
                    Ok(0) if o == 0 => return Answer::code(Code::BAD_REQUEST),
                    Ok(n) => paths.get(..n).unwrap_or_default(),
                    Err(c) => return Answer::code(c),
                };
                if o == 1 {
                    self.cancel_composite(exchange, paths);
                    return composite_values(tree, paths, accept, out);
                }
                let mut a = composite_values(tree, paths, accept, out);
                if a.code == Code::CONTENT {
                    let format = a.format.unwrap_or(ContentFormat::SENML_CBOR);
                    a.observe = self.observe_composite(now, exchange, paths, format, tree);
                }
                a
            }
            ClientRequest::Composite { .. } => Answer::code(Code::BAD_REQUEST),
            ClientRequest::WriteComposite { format, payload } => {
                write_composite(tree, format, payload, &self.config)
            }
        }
    }
}

/// What became of a block of a request body.
enum BodyIn<'u> {
    /// Answered: taken (2.31), streamed, or refused.
    Answer(Answer),
    /// The last block of a body put together: the whole body, and the last block's Block1.
    Whole(&'u [u8], Block),
}

/// Takes block `k` of `message` from `peer` into `u`.
fn assemble<'u, P: Copy + Eq, const U: usize>(
    u: &'u mut Upload<P, U>,
    now: Timestamp,
    peer: P,
    message: &Message<'_>,
    k: Block,
) -> BodyIn<'u> {
    match u.take(now, peer, message, k) {
        Step::Continue(b) => BodyIn::Answer(Answer::code(Code::CONTINUE).with_block1(b)),
        Step::Done(body, b) => BodyIn::Whole(body, b),
        // 4.13 says what the room takes (Size1); 5.03 when the room is another transfer's.
        Step::Refuse(code) => {
            let extra = if code == Code::REQUEST_ENTITY_TOO_LARGE {
                Some((OptionNumber::SIZE1, size1_of(U)))
            } else if code == Code::SERVICE_UNAVAILABLE {
                let idle = Upload::<P, U>::IDLE.as_secs();
                Some((OptionNumber::MAX_AGE, u32::try_from(idle).unwrap_or(30)))
            } else {
                None
            };
            BodyIn::Answer(Answer {
                extra,
                ..Answer::code(code)
            })
        }
    }
}

/// A size as a Size1 value.
fn size1_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The answer to a request that does not read: 4.04 for a path the client cannot have, 4.05
/// for a method the path does not allow, 4.00 otherwise.
fn refusal(e: &Error) -> Answer {
    match e.reason {
        Reason::BadPath => Answer::code(Code::NOT_FOUND),
        Reason::MethodNotAllowed => Answer::code(Code::METHOD_NOT_ALLOWED),
        _ => Answer::code(Code::BAD_REQUEST),
    }
}

/// An Execute the client acts on itself (Core 1.1 Appendix E.2, the LwM2M Server object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// Disable, `/1/x/4`: De-register, and nothing to the server for the Disable Timeout.
    Disable,
    /// Registration Update Trigger, `/1/x/8`: an Update goes to the server.
    Update,
    /// Bootstrap-Request Trigger, `/1/x/9` (1.1): the application is told to bootstrap.
    Bootstrap,
}

/// The trigger `path` names, if any (the client's own Server object, no gateway prefix).
fn trigger(path: &Path<'_>) -> Option<Trigger> {
    if path.prefix().is_some() || path.depth() != 3 || path.object_id() != Some(1) {
        return None;
    }
    match path.resource_id() {
        Some(4) => Some(Trigger::Disable),
        Some(8) => Some(Trigger::Update),
        Some(9) => Some(Trigger::Bootstrap),
        _ => None,
    }
}
