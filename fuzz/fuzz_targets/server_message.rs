//! Whatever a server (or something posing as one) sends, a client's decoder answers a
//! message or an error, never a panic; a message it accepts round-trips in every codec,
//! compact diff frames included.
#![no_main]

use agenthq_protocol::compact::{self, ByIds, Decoder};
use agenthq_protocol::{Codec, ServerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for codec in Codec::ALL {
        if let Ok(message) = codec.decode::<ServerMessage>(bytes) {
            for again in Codec::ALL {
                let encoded = again.encode(&message).expect("a decoded message encodes");
                let back: ServerMessage = again.decode(&encoded).expect("and decodes again");
                assert_eq!(back, message);
            }
        }
    }
    if let Ok(message) = Decoder::new().decode(bytes) {
        let encoded = compact::encode(&message, &ByIds).expect("a decoded message encodes");
        let back = Decoder::new().decode(&encoded).expect("and decodes again");
        assert_eq!(back, message);
    }
});
