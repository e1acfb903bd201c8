//! Whatever a client sends, the server's decoder answers a message or an error, never a
//! panic; a message it accepts encodes and decodes to itself in both codecs.
#![no_main]

use agenthq_protocol::{ClientMessage, Codec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for codec in Codec::ALL {
        if let Ok(message) = codec.decode::<ClientMessage>(bytes) {
            for again in Codec::ALL {
                let encoded = again.encode(&message).expect("a decoded message encodes");
                let back: ClientMessage = again.decode(&encoded).expect("and decodes again");
                assert_eq!(back, message);
            }
        }
    }
});
