//! The world of these tests: a pump's object tree, our server and our client, and the
//! datagrams between them.

pub(crate) use m2m_coap::option::value::Block;
pub(crate) use m2m_coap::{Code, ContentFormat, RequestId};
pub(crate) use m2m_core::Timestamp;
pub(crate) use m2m_lwm2m::attributes::Update;
pub(crate) use m2m_lwm2m::client::{Client, ObjectTree, RecordBuf, Settings};
pub(crate) use m2m_lwm2m::interface::ClientRequest;
pub(crate) use m2m_lwm2m::link::{self, ObjectLink, Version};
pub(crate) use m2m_lwm2m::model::{self, Registry};
pub(crate) use m2m_lwm2m::server::{Server, ServerEvent};
pub(crate) use m2m_lwm2m::{Config, Path, Record, Text, Value, body, composite};

pub(crate) const SERVER: u8 = 0;
pub(crate) const CLIENT: u8 = 1;

/// A Create as the tree saw it: object, instance id named, each resource with its value, and
/// the records' gateway prefix.
pub(crate) type Created = (u16, u16, Vec<(u16, Option<Value<'static>>)>, Option<String>);

pub(crate) struct Pump {
    pub(crate) temperature: f64,
    pub(crate) rebooted: bool,
    /// The Timezone /3/0/15 (read and written).
    pub(crate) label: String,
    /// The Manufacturer /3/0/0 (read-only to a server; a bootstrap server may set it).
    pub(crate) manufacturer: String,
    /// Each Create: the object, the instance id it named, the records' resources and values.
    pub(crate) created: Vec<Created>,
    /// The instances of the ACL resource /2/0/2 written, with their values.
    pub(crate) acl: Vec<(u16, i64)>,
    /// Each path a replace asked the tree to reset.
    pub(crate) resets: Vec<String>,
    /// The instances deleted (they are listed no more).
    pub(crate) deleted: Vec<String>,
    /// More temperature sensors listed (/3303/2 on), each a link of Register and Update.
    pub(crate) sensors: u16,
    /// The server's Default Maximum Period /1/0/3 (read and written).
    pub(crate) default_pmax: Option<i64>,
    /// The registration Lifetime /1/0/1 (read and written).
    pub(crate) lifetime: Option<i64>,
    /// Disable Timeout /1/0/5 and Mute Send /1/0/23 (read).
    pub(crate) disable_timeout: Option<i64>,
    pub(crate) mute_send: Option<bool>,
    /// More resources of the instances above (the accounts' timers, say).
    pub(crate) extra: Vec<Record<'static>>,
}

impl ObjectTree for Pump {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        // Security: the bootstrap account /0/0 and a server's /0/1 (never registered).
        let all = [
            Path::instance(0, 0),
            Path::instance(0, 1),
            Path::instance(21, 0),
            Path::instance(21, 1),
            Path::instance(1, 0),
            Path::instance(3, 0),
            Path::instance(3303, 0),
            Path::instance(3303, 1),
        ];
        for p in all {
            if p.object_id() == Some(3303) && p.instance_id() == Some(0) {
                f(ObjectLink::path(Path::object(3303)).with_version(Version::V1_1));
            }
            if !self.deleted.contains(&p.to_string()) {
                f(ObjectLink::path(p));
            }
        }
        for i in 0..self.sensors {
            f(ObjectLink::path(Path::instance(3303, i + 2)));
        }
    }

    fn delete(&mut self, path: &Path<'_>) -> Result<(), Code> {
        // The first temperature sensor is built in.
        if path.levels() == [3303, 0] {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        if self.deleted.contains(&path.to_string()) {
            return Err(Code::NOT_FOUND);
        }
        self.deleted.push(path.to_string());
        Ok(())
    }

    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        let all = [
            Record::new(
                Path::resource(3, 0, 0),
                Value::Str(Text::Plain(&self.manufacturer)),
            ),
            Record::new(Path::resource_instance(3, 0, 7, 0), Value::Int(3800)),
            Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000)),
            Record::new(Path::resource(3, 0, 13), Value::Time(1_700_000_000)),
            Record::new(
                Path::resource(3, 0, 15),
                Value::Str(Text::Plain(&self.label)),
            ),
            Record::new(
                Path::resource(3303, 0, 5700),
                Value::Float(self.temperature),
            ),
            Record::new(
                Path::resource(3303, 0, 5701),
                Value::Str(Text::Plain("Cel")),
            ),
            // The bootstrap account, whose OSCORE context is /21/0; a server's account.
            Record::new(Path::resource(0, 0, 1), Value::Bool(true)),
            Record::new(
                Path::resource(0, 0, 17),
                Value::ObjLink(m2m_lwm2m::ObjLink {
                    object: 21,
                    instance: 0,
                }),
            ),
            Record::new(
                Path::resource(0, 1, 0),
                Value::Str(Text::Plain("coap://127.0.0.1:5683")),
            ),
            Record::new(Path::resource(0, 1, 1), Value::Bool(false)),
            Record::new(Path::resource(0, 1, 10), Value::Int(1)),
            Record::new(Path::resource(1, 0, 0), Value::Int(1)),
        ];
        let pmax = self
            .default_pmax
            .map(|v| Record::new(Path::resource(1, 0, 3), Value::Int(v)));
        let lifetime = self
            .lifetime
            .map(|v| Record::new(Path::resource(1, 0, 1), Value::Int(v)));
        let disable = self
            .disable_timeout
            .map(|v| Record::new(Path::resource(1, 0, 5), Value::Int(v)));
        let mute = self
            .mute_send
            .map(|v| Record::new(Path::resource(1, 0, 23), Value::Bool(v)));
        let mut any = false;
        for r in all
            .into_iter()
            .chain(pmax)
            .chain(lifetime)
            .chain(disable)
            .chain(mute)
            .chain(self.extra.iter().copied())
        {
            if path.without_prefix().contains(&r.path) {
                out.push(r)?;
                any = true;
            }
        }
        if any { Ok(()) } else { Err(Code::NOT_FOUND) }
    }

    fn reset(&mut self, path: &Path<'_>) -> Result<(), Code> {
        self.resets.push(path.to_string());
        match path.levels() {
            [2, 0, 2] => {
                self.acl.clear();
                Ok(())
            }
            _ => Err(Code::NOT_FOUND),
        }
    }

    fn write(&mut self, record: &Record<'_>, _replace: bool) -> Result<(), Code> {
        match (record.path.levels(), record.value) {
            ([3, 0, 15], Some(Value::Str(t))) => {
                self.label = t.to_string();
                Ok(())
            }
            (&[2, 0, 2, n], Some(Value::Int(v))) => {
                self.acl.retain(|&(m, _)| m != n);
                self.acl.push((n, v));
                Ok(())
            }
            ([3, 0, 0], Some(Value::Str(t))) => {
                self.manufacturer = t.to_string();
                Ok(())
            }
            ([1, 0, 3], Some(Value::Int(v))) => {
                self.default_pmax = Some(v);
                Ok(())
            }
            ([1, 0, 1], Some(Value::Int(v))) if self.lifetime.is_some() => {
                self.lifetime = Some(v);
                Ok(())
            }
            // A text resource among the extra ones (the Binding /1/0/7, say) takes a new text.
            (_, Some(Value::Str(t))) if self.extra.iter().any(|r| r.path == record.path) => {
                let text: &'static str = Box::leak(t.to_string().into_boxed_str());
                for r in &mut self.extra {
                    if r.path == record.path {
                        r.value = Some(Value::Str(Text::Plain(text)));
                    }
                }
                Ok(())
            }
            _ => Err(Code::METHOD_NOT_ALLOWED),
        }
    }

    fn create(&mut self, object: u16, records: &[Record<'_>]) -> Result<u16, Code> {
        let named = records.first().and_then(|r| r.path.instance_id());
        let Some(named) = named else {
            return Err(Code::BAD_REQUEST);
        };
        let values = records
            .iter()
            .map(|r| {
                assert_eq!(r.path.instance_id(), Some(named));
                let v = r.value.map(|v| match v {
                    Value::Int(i) => Value::Int(i),
                    other => panic!("{other:?}"),
                });
                (r.path.resource_id().unwrap(), v)
            })
            .collect();
        let prefix = records
            .first()
            .and_then(|r| r.path.prefix())
            .map(String::from);
        self.created.push((object, named, values, prefix));
        // A faulty tree for object 1: it hands back the reserved id.
        if object == 1 {
            return Ok(m2m_lwm2m::path::RESERVED_ID);
        }
        // The id asked for, or the next free one when none was (65535).
        Ok(if named == m2m_lwm2m::path::RESERVED_ID {
            4
        } else {
            named
        })
    }

    fn execute(&mut self, path: &Path<'_>, _args: &[u8]) -> Result<(), Code> {
        if path.levels() == [3, 0, 4] {
            self.rebooted = true;
            Ok(())
        } else {
            Err(Code::METHOD_NOT_ALLOWED)
        }
    }
}

/// A client at peer 5 that POSTs straight to a server: message ids counted from `mid`.
pub(crate) struct Poster {
    pub(crate) mid: u16,
}

impl Poster {
    /// POSTs `path` with `query` and `payload` to `server` at `now`: the code of the answer,
    /// and the event the server gave, as text.
    pub(crate) fn post<const R: usize>(
        &mut self,
        server: &mut Server<u8, R>,
        now: Timestamp,
        path: &[&str],
        query: &[&str],
        payload: &[u8],
    ) -> (Code, Option<String>) {
        self.post_with(server, now, path, query, &[], payload).0
    }

    /// [`Poster::post`] with more options (Content-Format, Block1, ...); the answer too.
    pub(crate) fn post_with<const R: usize>(
        &mut self,
        server: &mut Server<u8, R>,
        now: Timestamp,
        path: &[&str],
        query: &[&str],
        options: &[(m2m_coap::OptionNumber, u32)],
        payload: &[u8],
    ) -> ((Code, Option<String>), Vec<u8>) {
        use m2m_coap::{Builder, OptionNumber, Type};
        self.mid = self.mid.wrapping_add(1);
        let mut b = Builder::<8>::udp(Type::Confirmable, Code::POST, self.mid);
        b.token(&[1, 2]);
        for (number, value) in options {
            b.uint(*number, *value).unwrap();
        }
        for s in path {
            b.str(OptionNumber::URI_PATH, s).unwrap();
        }
        for q in query {
            b.str(OptionNumber::URI_QUERY, q).unwrap();
        }
        b.payload(payload);
        let mut buf = [0u8; 256];
        let n = b.encode(&mut buf).unwrap();
        let datagram = buf[..n].to_vec();
        let e = server
            .handle(now, 5, &datagram)
            .unwrap()
            .map(|e| format!("{e:?}"));
        let (_, m) = server.poll_transmit(now, &mut buf).unwrap();
        let code = m2m_coap::Message::parse_udp(&buf[..m]).unwrap().code();
        ((code, e), buf[..m].to_vec())
    }
}

pub(crate) fn at(s: u64) -> Timestamp {
    Timestamp::from_millis(s * 1000)
}

/// A response as the server saw it: code, format, payload, Observe.
pub(crate) type Seen = (Code, Option<ContentFormat>, Vec<u8>, Option<u32>);

pub(crate) struct World {
    pub(crate) server: Server<u8>,
    /// Where the server puts bodies in blocks together.
    pub(crate) upload: Box<m2m_lwm2m::upload::Upload<u8, 4096>>,
    pub(crate) client: Client<'static, u8>,
    pub(crate) pump: Pump,
    pub(crate) events: Vec<String>,
    pub(crate) responses: Vec<Seen>,
    /// The request each of `responses` answered.
    pub(crate) answered: Vec<RequestId>,
    /// The Block2, ETag and Size2 of each of `responses`.
    pub(crate) blocks: Vec<BlockOptions>,
    /// The client's datagrams that carried Block1.
    pub(crate) block1_sent: usize,
    /// The server's answers of class 4 or 5, with their Size1.
    pub(crate) refusals: Vec<(Code, Option<u32>)>,
}

/// A response's Block2 (`None` without; an `Err` that did not read), ETag and Size2.
pub(crate) type BlockOptions = (Option<Result<Block, ()>>, Option<Vec<u8>>, Option<u32>);

impl World {
    pub(crate) fn new() -> Self {
        let settings = Settings {
            lifetime: 60,
            ..Settings::new("pump-1")
        };
        World {
            server: Server::new(7),
            upload: Box::default(),
            client: Client::new(SERVER, settings, 9),
            pump: Pump {
                temperature: 21.5,
                rebooted: false,
                label: "P-100".into(),
                created: Vec::new(),
                acl: Vec::new(),
                manufacturer: "m2m".into(),
                resets: Vec::new(),
                deleted: Vec::new(),
                sensors: 0,
                default_pmax: None,
                lifetime: None,
                disable_timeout: None,
                mute_send: None,
                extra: Vec::new(),
            },
            events: Vec::new(),
            responses: Vec::new(),
            answered: Vec::new(),
            blocks: Vec::new(),
            block1_sent: 0,
            refusals: Vec::new(),
        }
    }

    /// Moves datagrams both ways until both are quiet.
    pub(crate) fn pump(&mut self, now: Timestamp) {
        let mut buf = [0u8; 1152];
        loop {
            let mut moved = false;
            while let Some((to, n)) = self.client.poll_transmit(now, &mut buf) {
                assert_eq!(to, SERVER);
                moved = true;
                let sent = m2m_coap::Message::parse_udp(&buf[..n]).unwrap();
                self.block1_sent += usize::from(sent.block1().is_some());
                let mut upload = core::mem::take(&mut self.upload);
                if let Some(e) = self
                    .server
                    .handle_with(now, CLIENT, &buf[..n], &mut upload)
                    .unwrap()
                {
                    self.record(e);
                }
                self.upload = upload;
            }
            while let Some((to, n)) = self.server.poll_transmit(now, &mut buf) {
                assert_eq!(to, CLIENT);
                moved = true;
                let datagram = buf[..n].to_vec();
                let sent = m2m_coap::Message::parse_udp(&datagram).unwrap();
                if matches!(sent.code().class(), 4 | 5) {
                    self.refusals.push((sent.code(), sent.size1()));
                }
                self.client
                    .handle(now, SERVER, &datagram, &mut self.pump)
                    .unwrap();
            }
            while let Some(e) = self.client.poll_event() {
                self.events.push(format!("client {e:?}"));
            }
            if !moved {
                break;
            }
        }
    }

    pub(crate) fn record(&mut self, e: ServerEvent<'_, u8>) {
        match e {
            ServerEvent::Registered {
                endpoint,
                links,
                params,
                ..
            } => {
                let n = link::parse(links, Config::STRICT).count();
                self.events.push(format!(
                    "registered {endpoint} lt={:?} links={n}",
                    params.lifetime
                ));
            }
            ServerEvent::Updated {
                links: None,
                params,
                ..
            } => {
                let mut e = match params.lifetime {
                    Some(lt) => format!("updated lt={lt}"),
                    None => "updated".into(),
                };
                if let Some(b) = params.binding {
                    e.push_str(&format!(" b={b}"));
                }
                self.events.push(e);
            }
            ServerEvent::Updated {
                links: Some(links), ..
            } => {
                let n = link::parse(links, Config::STRICT).count();
                self.events.push(format!("updated links={n}"));
            }
            ServerEvent::Deregistered { .. } => self.events.push("deregistered".into()),
            ServerEvent::Response { message, request } => {
                self.answered.push(request);
                self.blocks.push((
                    message.block2().map(|b| b.map_err(|_| ())),
                    message.etags().next().map(<[u8]>::to_vec),
                    message.size2(),
                ));
                self.responses.push((
                    message.code(),
                    message.content_format(),
                    message.payload().to_vec(),
                    message.observe(),
                ));
            }
            other => self.events.push(format!("{other:?}")),
        }
    }

    pub(crate) fn ask(&mut self, now: Timestamp, req: ClientRequest<'_>) -> Seen {
        let id = self.server.find("pump-1").unwrap().id;
        self.server.send(now, id, &req).unwrap();
        self.pump(now);
        self.responses.pop().expect("a response")
    }

    /// [`World::ask`] of a client that has not registered (a bootstrap server's request).
    pub(crate) fn ask_peer(&mut self, now: Timestamp, req: ClientRequest<'_>) -> Seen {
        self.server.send_to(now, CLIENT, &req).unwrap();
        self.pump(now);
        self.responses.pop().expect("a response")
    }
}

/// The events the client has for the application, taken.
pub(crate) fn events_of(w: &mut World) -> Vec<m2m_lwm2m::client::ClientEvent> {
    core::iter::from_fn(|| w.client.poll_event()).collect()
}
