//! The requests of the server to its clients (Core 1.1 §6.3 Device Management, §6.4
//! Information Reporting, the Bootstrap Interface's to a client without a registration), and
//! the blocks of their bodies and answers (RFC 7959): whom they go to, whether a client in
//! queue mode is awake for them, and which registration each went to.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::*;

impl<P: Copy + Eq, const R: usize, const N: usize, const B: usize> Server<P, R, N, B> {
    /// Sends a device-management or information-reporting request to registration `id`
    /// (Confirmable); its response comes back as [`ServerEvent::Response`] with the returned id,
    /// and for an Observe, every notification too.
    pub fn send(
        &mut self,
        now: Timestamp,
        id: RegId,
        request: &ClientRequest<'_>,
    ) -> Result<RequestId, SessionError> {
        let peer = self.awake_peer(id, now)?;
        let observe = matches!(
            request,
            ClientRequest::Observe { .. }
                | ClientRequest::Composite {
                    observe: Some(0),
                    ..
                }
        );
        let request = self.request_to(now, (peer, Some(id)), request, &[])?;
        self.sent(request, id);
        if observe {
            self.observing(request, id);
        }
        Ok(request)
    }

    /// Sends `request` to `to` (a peer, and the registration whose alternate path the request
    /// goes under, if any) (Confirmable) with the options `more` adds (Block1, Block2, Size1,
    /// each a number and its value).
    fn request_to(
        &mut self,
        now: Timestamp,
        to: (P, Option<RegId>),
        request: &ClientRequest<'_>,
        more: &[(OptionNumber, u32)],
    ) -> Result<RequestId, SessionError> {
        let (peer, reg) = to;
        let root = self.root_of(reg);
        let mut scratch = Strings::<256>::new();
        let mut b = Builder::<16>::udp(Type::Confirmable, Code::GET, 0);
        under_root(&mut b, root.as_str())?;
        request.build(&mut b, &mut scratch)?;
        for &(number, value) in more {
            b.uint(number, value)
                .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
        }
        Ok(self.endpoint.request(now, peer, &b, true)?)
    }

    /// The alternate path of registration `id` (none without one).
    fn root_of(&self, id: Option<RegId>) -> Root {
        id.and_then(|id| self.registration(id))
            .map_or(Root([0; MAX_ROOT], 0), |r| Root(r.root, r.root_len))
    }

    /// Where registration `id` is, if it may be sent a request now.
    fn awake_peer(&self, id: RegId, now: Timestamp) -> Result<P, SessionError> {
        let r = self
            .registration(id)
            .ok_or(SessionError::UnknownRegistration)?;
        if r.queue && !Self::awake_at(r, self.awake, now) {
            return Err(SessionError::Asleep);
        }
        Ok(r.peer)
    }

    /// Asks registration `id` for block `block` of the answer to `request` (RFC 7959 §2.4): a
    /// [`ServerEvent::Response`] with a Block2 option that says more follow (an LwM2M client
    /// answers a Read, Discover or Read-Composite larger than its messages in blocks, and
    /// notifies with the first block of a large value) has the rest asked for block by block,
    /// each answer a [`ServerEvent::Response`] to the id returned. The request goes again with
    /// Block2, an Observe or Observe-Composite without its Observe (the rest of a notification
    /// is read, RFC 7959 §2.6). Put the blocks together with
    /// [`m2m_coap::block::Assembler`] (the std runners do).
    pub fn send_block(
        &mut self,
        now: Timestamp,
        id: RegId,
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        let peer = self
            .registration(id)
            .ok_or(SessionError::UnknownRegistration)?
            .peer;
        let request = self.block2_to(now, (peer, Some(id)), request, block)?;
        self.sent_block(request, id);
        Ok(request)
    }

    /// [`Server::send_block`] to `peer` without a registration: the rest of a bootstrap
    /// server's Bootstrap-Read or -Discover answered in blocks.
    pub fn send_block_to(
        &mut self,
        now: Timestamp,
        peer: P,
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        self.block2_to(now, (peer, None), request, block)
    }

    fn block2_to(
        &mut self,
        now: Timestamp,
        to: (P, Option<RegId>),
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        let request = match *request {
            ClientRequest::Observe { path, accept }
            | ClientRequest::CancelObserve { path, accept } => ClientRequest::Read { path, accept },
            ClientRequest::Composite {
                format,
                accept,
                payload,
                ..
            } => ClientRequest::Composite {
                observe: None,
                format,
                accept,
                payload,
            },
            other => other,
        };
        self.request_to(
            now,
            to,
            &request,
            &[(OptionNumber::BLOCK2, block.to_uint())],
        )
    }

    /// Sends block `block` of the body of `request` (a Write, Create or Write-Composite larger
    /// than one message: a firmware package to /5/0/0, say) to registration `id`, RFC 7959
    /// §2.5: the request with that block's bytes and a Block1 option (its M set unless the block
    /// ends the body; the first block with the body's Size1). The client answers each block
    /// before the last with 2.31 Continue, whose Block1 may ask for smaller blocks (number the
    /// next block by that size: it starts where the block answered ends), and the last with
    /// the request's answer; every answer comes as a [`ServerEvent::Response`] to the id
    /// returned. A block that starts past the body's end, or a request without a body, is
    /// refused. The std runners send every body larger than 1024 bytes so.
    pub fn send_block1(
        &mut self,
        now: Timestamp,
        id: RegId,
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        let peer = self.awake_peer(id, now)?;
        let request = self.block1_to(now, (peer, Some(id)), request, block)?;
        if block.num == 0 {
            self.sent(request, id);
        } else {
            self.sent_block(request, id);
        }
        Ok(request)
    }

    /// [`Server::send_block1`] to `peer` without a registration: a Bootstrap-Write larger than
    /// one message (a Security instance with its certificates, say) to a client that asked to
    /// be bootstrapped.
    pub fn send_block1_to(
        &mut self,
        now: Timestamp,
        peer: P,
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        self.block1_to(now, (peer, None), request, block)
    }

    fn block1_to(
        &mut self,
        now: Timestamp,
        to: (P, Option<RegId>),
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        let refused = || SessionError::Lwm2m(Error::new(0, Reason::Unsupported));
        // BERT (SZX 7) is for CoAP over TCP alone (RFC 8323 §6); a number has 20 bits.
        if block.szx > 6 || block.num > Block::MAX_NUM {
            return Err(refused());
        }
        let body = request.body().ok_or_else(refused)?;
        // Its bytes, and M set unless it ends the body.
        let (block, part) =
            m2m_coap::block::slice(body, Some(block), block.szx).map_err(|_| refused())?;
        let request = request.with_body(part).ok_or_else(refused)?;
        let block1 = (OptionNumber::BLOCK1, block.to_uint());
        let total = (
            OptionNumber::SIZE1,
            u32::try_from(body.len()).unwrap_or(u32::MAX),
        );
        let more: &[_] = if block.num == 0 {
            &[block1, total]
        } else {
            &[block1]
        };
        self.request_to(now, to, &request, more)
    }

    /// Sends a request to `peer` without a registration (Bootstrap-Write, -Delete, -Discover
    /// and -Finish to a client that asked to be bootstrapped).
    pub fn send_to(
        &mut self,
        now: Timestamp,
        peer: P,
        request: &ClientRequest<'_>,
    ) -> Result<RequestId, SessionError> {
        self.request_to(now, (peer, None), request, &[])
    }

    /// Sends Observe-Composite (FETCH with Observe 0, OMA-TS-LightweightM2M_Core 1.1 §6.4)
    /// to registration `id`: `paths` listed in a body of `format` (SenML-ETCH JSON or CBOR,
    /// SenML JSON or CBOR, LwM2M CBOR: [`composite::encode_paths`]), their values asked for in
    /// `accept` (`None` leaves it to the client; ours answers SenML CBOR). The first response
    /// and every notification come back as [`ServerEvent::Response`] with the returned id, each
    /// with the values of all the paths: read them with [`composite::values`]. End it with
    /// [`Server::cancel_composite`], or [`Server::forget`] it.
    pub fn observe_composite(
        &mut self,
        now: Timestamp,
        id: RegId,
        paths: &[Path<'_>],
        format: ContentFormat,
        accept: Option<ContentFormat>,
    ) -> Result<RequestId, SessionError> {
        let peer = self.awake_peer(id, now)?;
        let root = self.root_of(Some(id));
        let request = Self::composite_fetch(root.as_str(), paths, format, accept, 0, |b| {
            Ok(self.endpoint.request(now, peer, b, true)?)
        })?;
        self.sent(request, id);
        self.observing(request, id);
        Ok(request)
    }

    /// Builds the FETCH of Observe-Composite (`observe` 0) or its cancellation (1) for
    /// `paths`, and hands it to `send`.
    fn composite_fetch<T>(
        root: &str,
        paths: &[Path<'_>],
        format: ContentFormat,
        accept: Option<ContentFormat>,
        observe: u32,
        send: impl FnOnce(&Builder<'_, 8>) -> Result<T, SessionError>,
    ) -> Result<T, SessionError> {
        let mut body = [0u8; B];
        let n = composite::encode_paths(format, paths, &mut body)?;
        let req = ClientRequest::Composite {
            observe: Some(observe),
            format,
            accept,
            payload: body.get(..n).unwrap_or_default(),
        };
        let mut scratch = Strings::<16>::new();
        let mut b = Builder::<8>::udp(Type::Confirmable, Code::FETCH, 0);
        under_root(&mut b, root)?;
        req.build(&mut b, &mut scratch)?;
        send(&b)
    }

    /// Cancel Observation-Composite (§6.4): FETCH with Observe 1 under the token of the
    /// Observe-Composite `request` (RFC 7641 §3.6), listing its `paths` again. The client
    /// answers with their values once more (a last [`ServerEvent::Response`] to `request`,
    /// without Observe) and stops notifying. [`SessionError::Coap`] if `request` is not an
    /// observation still kept.
    pub fn cancel_composite(
        &mut self,
        now: Timestamp,
        request: RequestId,
        paths: &[Path<'_>],
        format: ContentFormat,
        accept: Option<ContentFormat>,
    ) -> Result<(), SessionError> {
        self.awake_for(request, now)?;
        let root = self.root_of(self.sent_to(request));
        Self::composite_fetch(root.as_str(), paths, format, accept, 1, |b| {
            Ok(self.endpoint.observe_again(now, request, b, true)?)
        })
    }

    /// [`SessionError::Asleep`] if `request` went to a client in queue mode that sleeps now.
    fn awake_for(&self, request: RequestId, now: Timestamp) -> Result<(), SessionError> {
        match self.sent_to(request) {
            Some(id) if !self.is_awake(id, now) && self.registration(id).is_some() => {
                Err(SessionError::Asleep)
            }
            _ => Ok(()),
        }
    }

    /// Cancel Observation (§6.4.2): GET with Observe 1 under the token of the Observe
    /// `request` of `path` (RFC 7641 §3.6: a client knows the observation by its token). The
    /// client answers with the value once more (a last [`ServerEvent::Response`] to `request`,
    /// without Observe) and stops notifying. [`SessionError::Coap`] if `request` is not an
    /// observation still kept.
    pub fn cancel_observe(
        &mut self,
        now: Timestamp,
        request: RequestId,
        path: Path<'_>,
        accept: Option<ContentFormat>,
    ) -> Result<(), SessionError> {
        self.awake_for(request, now)?;
        let req = ClientRequest::CancelObserve { path, accept };
        let root = self.root_of(self.sent_to(request));
        let mut scratch = Strings::<256>::new();
        let mut b = Builder::<16>::udp(Type::Confirmable, Code::GET, 0);
        under_root(&mut b, root.as_str())?;
        req.build(&mut b, &mut scratch)?;
        Ok(self.endpoint.observe_again(now, request, &b, true)?)
    }

    /// Stops caring about request `request` (an observation the application no longer wants:
    /// the next notification is answered with a Reset, RFC 7641 §3.6).
    pub fn forget(&mut self, request: RequestId) {
        self.endpoint.cancel(request);
        for slot in &mut self.observed {
            slot.take_if(|(r, _)| *r == request);
        }
    }
}

/// A registration's alternate path, copied out of the store.
struct Root([u8; MAX_ROOT], usize);

impl Root {
    fn as_str(&self) -> &str {
        core::str::from_utf8(self.0.get(..self.1).unwrap_or_default()).unwrap_or_default()
    }
}

/// Puts a request under the client's alternate path (Core 1.1 §6.2.1: its Uri-Path segments
/// first), as Leshan and Wakaama send them.
fn under_root<'b, const N: usize>(b: &mut Builder<'b, N>, root: &'b str) -> Result<(), Error> {
    b.path(root)
        .map(|_| ())
        .map_err(|_| Error::new(0, Reason::BufferTooSmall))
}
