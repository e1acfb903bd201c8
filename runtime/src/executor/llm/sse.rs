//! Server-sent events (the streaming format of both providers), decoded from a byte stream
//! as it arrives. Bounded: an event larger than [`MAX_EVENT_BYTES`] is an error, not a
//! buffer that grows until memory runs out.

/// Largest event (all its `data` lines together) accepted, in bytes.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// One event: its `event:` name (empty when the stream sends none) and its `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("a server-sent event exceeded {MAX_EVENT_BYTES} bytes")]
    TooLarge,
    #[error("the event stream is not UTF-8")]
    NotUtf8,
}

/// Splits bytes into events. Feed chunks with [`Decoder::push`]; each call returns the
/// events the chunk completed.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    name: String,
    data: String,
    /// Whether the current event has a `data` field (an empty one counts).
    has_data: bool,
}

impl Decoder {
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Event>, SseError> {
        let mut events = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
            if let Some(event) = self.line_done(&line)? {
                events.push(event);
            }
        }
        self.line.extend_from_slice(rest);
        if self.line.len() + self.data.len() > MAX_EVENT_BYTES {
            return Err(SseError::TooLarge);
        }
        Ok(events)
    }

    fn line_done(&mut self, line: &str) -> Result<Option<Event>, SseError> {
        if line.is_empty() {
            // A blank line ends the event; one with no data is dispatched as nothing.
            let name = std::mem::take(&mut self.name);
            let data = std::mem::take(&mut self.data);
            let has_data = std::mem::replace(&mut self.has_data, false);
            return Ok(has_data.then_some(Event { name, data }));
        }
        if line.starts_with(':') {
            return Ok(None); // A comment (keep-alive).
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => value.clone_into(&mut self.name),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
                if self.data.len() > MAX_EVENT_BYTES {
                    return Err(SseError::TooLarge);
                }
            }
            _ => {} // `id`, `retry` and unknown fields mean nothing to a one-shot stream.
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, data: &str) -> Event {
        Event {
            name: name.into(),
            data: data.into(),
        }
    }

    #[test]
    fn events_split_across_chunks_come_out_whole() {
        let stream =
            "event: message_start\ndata: {\"a\":1}\n\n: keep-alive\n\ndata: x\r\ndata: y\r\n\r\n";
        let whole = Decoder::default().push(stream.as_bytes()).unwrap();
        assert_eq!(
            whole,
            vec![event("message_start", "{\"a\":1}"), event("", "x\ny")]
        );
        // Byte by byte, the same events.
        let mut decoder = Decoder::default();
        let mut pieces = Vec::new();
        for byte in stream.as_bytes() {
            pieces.extend(decoder.push(std::slice::from_ref(byte)).unwrap());
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn an_unterminated_event_is_not_dispatched() {
        let mut decoder = Decoder::default();
        assert!(decoder.push(b"data: half").unwrap().is_empty());
        assert_eq!(decoder.push(b"\n\n").unwrap(), vec![event("", "half")]);
    }

    #[test]
    fn an_oversize_event_is_refused_before_it_is_buffered_whole() {
        let mut decoder = Decoder::default();
        let line = vec![b'x'; 64 * 1024];
        let mut result = decoder.push(b"data: ");
        for _ in 0..20 {
            result = decoder.push(&line);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseError::TooLarge));
    }
}
