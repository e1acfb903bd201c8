//! Connection limits: how many WebSockets one IP address, and the whole node, may hold.
//! A connection over a limit is refused before the upgrade (HTTP 429 for one address over
//! its share, 503 for a full node), so it costs no WebSocket state. The credential is
//! known only at `hello`: [`CredentialLimits`] refuses a `hello` past its share with an
//! error and close code 4003.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dashmap::DashMap;

/// Counts open connections; cheap to clone.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    per_ip: DashMap<IpAddr, usize>,
    total: AtomicUsize,
    max_per_ip: usize,
    max_total: usize,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This address holds its limit of connections.
    PerIp,
    /// The node holds its limit of connections.
    Full,
}

impl ConnectionLimits {
    pub fn new(max_per_ip: usize, max_total: usize) -> Self {
        let inner = Inner {
            per_ip: DashMap::new(),
            total: AtomicUsize::new(0),
            max_per_ip,
            max_total,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Takes a slot for a connection from `ip`; it is given back when the permit drops.
    pub fn admit(&self, ip: IpAddr) -> Result<ConnectionPermit, Refusal> {
        if self.inner.total.fetch_add(1, Ordering::AcqRel) >= self.inner.max_total {
            self.inner.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Full);
        }
        let mut count = self.inner.per_ip.entry(ip).or_insert(0);
        if *count >= self.inner.max_per_ip {
            drop(count);
            self.inner.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::PerIp);
        }
        *count += 1;
        Ok(ConnectionPermit {
            limits: self.clone(),
            ip,
        })
    }

    /// Open connections in all.
    pub fn open(&self) -> usize {
        self.inner.total.load(Ordering::Acquire)
    }
}

/// A connection's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct ConnectionPermit {
    limits: ConnectionLimits,
    ip: IpAddr,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let inner = &self.limits.inner;
        inner.per_ip.remove_if_mut(&self.ip, |_, count| {
            *count -= 1;
            *count == 0
        });
        inner.total.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Counts holders per key (a credential's connections, a workspace's watching
/// connections); cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    counts: Arc<DashMap<uuid::Uuid, usize>>,
}

impl Tally {
    /// Takes a slot under `key` if it holds fewer than `max`; the slot is given back when
    /// the permit drops.
    pub fn admit(&self, key: uuid::Uuid, max: usize) -> Option<TallyPermit> {
        let mut count = self.counts.entry(key).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(TallyPermit {
            tally: self.clone(),
            key,
        })
    }

    /// Every key with the slots it holds.
    pub fn each(&self) -> Vec<(uuid::Uuid, usize)> {
        self.counts.iter().map(|e| (*e.key(), *e.value())).collect()
    }

    /// Slots held under `key`.
    pub fn held(&self, key: uuid::Uuid) -> usize {
        self.counts.get(&key).map_or(0, |c| *c)
    }
}

/// A slot under a [`Tally`] key; dropping it frees the slot.
#[derive(Debug)]
pub struct TallyPermit {
    tally: Tally,
    key: uuid::Uuid,
}

impl Drop for TallyPermit {
    fn drop(&mut self) {
        self.tally.counts.remove_if_mut(&self.key, |_, count| {
            *count -= 1;
            *count == 0
        });
    }
}

/// Counts connections per credential (a user or an API key); cheap to clone.
#[derive(Debug, Clone)]
pub struct CredentialLimits {
    tally: Tally,
    max: usize,
}

/// A connection's slot under its credential.
pub type CredentialPermit = TallyPermit;

impl CredentialLimits {
    pub fn new(max_per_credential: usize) -> Self {
        Self {
            tally: Tally::default(),
            max: max_per_credential,
        }
    }

    /// Takes a slot for one more connection of `credential`; `None` when it holds its limit.
    pub fn admit(&self, credential: uuid::Uuid) -> Option<CredentialPermit> {
        self.tally.admit(credential, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_in_all_and_slots_come_back() {
        let limits = ConnectionLimits::new(2, 3);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let a1 = limits.admit(a).unwrap();
        let _a2 = limits.admit(a).unwrap();
        assert_eq!(limits.admit(a).unwrap_err(), Refusal::PerIp);
        let _b1 = limits.admit(b).unwrap();
        assert_eq!(limits.admit(b).unwrap_err(), Refusal::Full);
        drop(a1);
        assert_eq!(limits.open(), 2);
        let _b2 = limits.admit(b).unwrap();
        assert_eq!(limits.open(), 3);
    }

    #[test]
    fn credentials_have_their_own_limit() {
        let limits = CredentialLimits::new(1);
        let (a, b) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        let a1 = limits.admit(a).unwrap();
        assert!(limits.admit(a).is_none());
        let _b1 = limits.admit(b).unwrap();
        drop(a1);
        assert!(limits.admit(a).is_some());
    }
}
