//! A client following a topic applies whatever arrives: any sequence of decoded server
//! messages fed to a `Feed` is applied, ignored or answered with a resubscribe, never a
//! panic.
#![no_main]

use agenthq_protocol::feed::Feed;
use agenthq_protocol::{Codec, ServerMessage, Topic, WorkspaceId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let topic = Topic::Workspace(WorkspaceId::from_bytes([1; 16]));
    let mut feed = Feed::default();
    // Frames separated by 0xff, each decoded as MessagePack.
    for frame in bytes.split(|b| *b == 0xff) {
        if let Ok(message) = Codec::MessagePack.decode::<ServerMessage>(frame) {
            let _ = feed.on_message(topic, message);
        }
    }
});
