//! The host's tables: the edge nodes and devices it follows, each in a slot, and the aliases
//! their births gave.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::*;

impl<'c, const N: usize, const D: usize, const A: usize> Host<'c, N, D, A> {
    pub(super) fn find_node(&self, group: &str, edge: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| matches!(n, Some(n) if n.group.is(group) && n.edge.is(edge)))
    }

    pub(super) fn node_slot(&mut self, group: &str, edge: &str) -> Result<usize, SessionError> {
        if let Some(i) = self.find_node(group, edge) {
            return Ok(i);
        }
        let node = Node {
            group: Id::new(group)?,
            edge: Id::new(edge)?,
            online: false,
            bd_seq: None,
            expected: 0,
            missing: [0; 4],
            limits: [Timestamp::from_millis(0); 256],
            abandoned: [0; 4],
            deadline: None,
            rebirth_due: false,
            rebirth_held: false,
            rebirth_sent: None,
            ev_rebirth: false,
        };
        let (i, slot) = self
            .nodes
            .iter_mut()
            .enumerate()
            .find(|(_, s)| s.is_none())
            .ok_or(SessionError::Capacity("edge nodes"))?;
        *slot = Some(node);
        Ok(i)
    }

    pub(super) fn device_slot(
        &mut self,
        node: usize,
        id: &str,
        create: bool,
    ) -> Result<Option<usize>, SessionError> {
        if let Some(i) = self
            .devices
            .iter()
            .position(|d| matches!(d, Some(d) if d.node == node && d.id.is(id)))
        {
            return Ok(Some(i));
        }
        if !create {
            return Ok(None);
        }
        let slot = DeviceSlot {
            node,
            id: Id::new(id)?,
            online: false,
        };
        // A free slot, or else that of a device not born now (its id may then name another
        // device: devices come and go, and the table must not fill up with the dead).
        let free = self.devices.iter().position(Option::is_none);
        let i = free
            .or_else(|| {
                self.devices
                    .iter()
                    .position(|d| d.is_some_and(|d| !d.online))
            })
            .ok_or(SessionError::Capacity("devices"))?;
        if let Some(Some(old)) = self.devices.get(i).copied() {
            self.clear_aliases(old.node, Some(Some(i)));
        }
        if let Some(s) = self.devices.get_mut(i) {
            *s = Some(slot);
        }
        Ok(Some(i))
    }

    pub(super) fn clear_aliases(&mut self, node: usize, device: Option<Option<usize>>) {
        for slot in &mut self.aliases {
            if matches!(slot, Some(a) if a.node == node && device.is_none_or(|d| a.device == d)) {
                *slot = None;
            }
        }
    }

    pub(super) fn record_aliases(
        &mut self,
        node: usize,
        device: Option<usize>,
        payload: &PayloadView<'_>,
    ) -> Result<(), SessionError> {
        for m in payload.metrics() {
            let m = m?;
            let Some(alias) = m.alias() else { continue };
            let entry = Alias {
                node,
                device,
                alias,
                datatype: m.datatype(),
            };
            let slot = self
                .aliases
                .iter_mut()
                .find(|s| s.is_none())
                .ok_or(SessionError::Capacity("aliases"))?;
            *slot = Some(entry);
        }
        Ok(())
    }
}
