//! The isometric office, as plain data and functions that the Bevy app draws.
//!
//! Everything here is headless and deterministic, so every viewer of a workspace shows the
//! same office and the rules are tested without a window:
//!
//! - [`art`]: the sprites, drawn by code in one palette (`agenthq-art` writes them).
//! - [`iso`]: tile coordinates ↔ screen pixels, and draw order.
//! - [`link`]: the connection as a state machine: reconnect with back-off, resume, what
//!   the HUD says.
//! - [`layout`]: the floor plan for a number of desks: desk clusters, a meeting room, a
//!   coffee corner, plants, walls; what is walkable.
//! - [`motion`]: smooth walking along a path, never a jump after the first placement.
//! - [`scene`]: the agents as the office shows them, kept in step with the topic's state.
//! - [`walk`]: where an agent goes for its status, and the path there.
//!
//! The Bevy viewer (native `agenthq-viewer` and wasm32) builds on these; it speaks only the
//! wire protocol (`agenthq-protocol`, whose `feed` keeps the follow rules).

#[cfg(feature = "app")]
pub mod app;
pub mod art;
pub mod iso;
pub mod layout;
pub mod link;
pub mod motion;
pub mod scene;
pub mod walk;

pub use iso::{Screen, Tile};
pub use layout::OfficeLayout;
