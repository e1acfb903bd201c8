//! Integration tests of the runtime: one binary, one module per concern.

mod caps;
mod cluster;
mod diffs;
mod durability;
mod helpers;
mod lifecycle;
mod llm;
mod ownership;
mod redis_fixtures;
mod scheduling;
mod store_contract;
mod supervision;
