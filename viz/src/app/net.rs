//! The socket under the [`crate::link::Link`]: MessagePack frames in and out. Natively a
//! thread runs a blocking tungstenite client; in the browser the page's WebSocket. Both
//! decode off the frame loop's hot path and hand whole messages over a bounded queue.
//!
//! Overflow policy: the queue holds [`QUEUE`] messages. Natively a full queue stops the
//! reader thread, so TCP pushes back and the server's slow-client rule closes the
//! connection (4001); in the browser a full queue closes the socket at once. Either way
//! the link reconnects and resumes: a stalled view costs a resync, never unbounded memory.

use agenthq_protocol::{ClientMessage, Codec, ServerMessage};
use bevy::prelude::*;

use super::{Office, Step};
use crate::link::Action;

/// Messages waiting for the frame loop, at most.
const QUEUE: usize = 4096;
/// The subprotocol the viewer speaks.
const SUBPROTOCOL: &str = "agenthq.v1.msgpack";

/// What the socket reports.
#[derive(Debug)]
enum NetEvent {
    Opened,
    Message(ServerMessage),
    Closed(String),
}

pub(super) fn plugin(server: String) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_non_send(Socket::new(server.clone()));
        app.add_systems(Update, pump.in_set(Step::Net));
    }
}

/// Moves frames between the socket and the link, and syncs the scene with what applied.
fn pump(mut office: ResMut<'_, Office>, mut socket: NonSendMut<'_, Socket>, time: Res<'_, Time>) {
    let now = time.elapsed_secs_f64();
    let office = &mut *office;
    // Bounded per frame too, so a burst after a reconnect spreads over a few frames.
    for _ in 0..QUEUE {
        let Some(event) = socket.poll() else { break };
        match event {
            NetEvent::Opened => {
                for message in office.link.on_opened(now) {
                    socket.send(&message);
                }
            }
            NetEvent::Closed(why) => {
                warn!(reason = %why, "connection lost");
                office.link.on_closed(why, now);
            }
            NetEvent::Message(message) => {
                if let Some(reply) = office.receive(message, now) {
                    socket.send(&reply);
                }
            }
        }
    }
    match office.link.poll(now) {
        Some(Action::Connect) => socket.connect(),
        Some(Action::Send(message)) => socket.send(&message),
        None => {}
    }
}

#[cfg(not(target_arch = "wasm32"))]
use native::Socket;
#[cfg(target_arch = "wasm32")]
use web::Socket;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::net::TcpStream;
    use std::sync::mpsc::{Receiver, Sender, SyncSender, TryRecvError, channel, sync_channel};
    use std::time::Duration;

    use tungstenite::client::IntoClientRequest;
    use tungstenite::http::HeaderValue;
    use tungstenite::stream::MaybeTlsStream;
    use tungstenite::{Message, WebSocket};

    use super::*;

    /// How long a read waits before the thread looks for messages to send.
    const READ_SLICE: Duration = Duration::from_millis(15);

    enum Command {
        Connect,
        Send(Vec<u8>),
    }

    /// A socket thread: commands in, events out.
    pub(super) struct Socket {
        commands: Sender<Command>,
        events: Receiver<NetEvent>,
    }

    impl Socket {
        pub(super) fn new(url: String) -> Self {
            let (commands, command_rx) = channel();
            let (event_tx, events) = sync_channel(QUEUE);
            std::thread::Builder::new()
                .name("agenthq-socket".into())
                .spawn(move || run(&url, &command_rx, &event_tx))
                .expect("the socket thread starts");
            Self { commands, events }
        }

        pub(super) fn poll(&mut self) -> Option<NetEvent> {
            self.events.try_recv().ok()
        }

        pub(super) fn connect(&mut self) {
            let _ = self.commands.send(Command::Connect);
        }

        pub(super) fn send(&mut self, message: &ClientMessage) {
            if let Ok(bytes) = Codec::MessagePack.encode(message) {
                let _ = self.commands.send(Command::Send(bytes));
            }
        }
    }

    /// The thread: waits for a connect, then reads and writes until the connection ends.
    fn run(url: &str, commands: &Receiver<Command>, events: &SyncSender<NetEvent>) {
        while let Ok(command) = commands.recv() {
            let Command::Connect = command else {
                continue; // A send for a connection that is gone.
            };
            let mut socket = match open(url) {
                Ok(socket) => socket,
                Err(why) => {
                    if events.send(NetEvent::Closed(why)).is_err() {
                        return;
                    }
                    continue;
                }
            };
            if events.send(NetEvent::Opened).is_err() {
                return;
            }
            let why = serve(&mut socket, commands, events);
            let _ = socket.close(None);
            if events.send(NetEvent::Closed(why)).is_err() {
                return;
            }
        }
    }

    fn open(url: &str) -> Result<WebSocket<MaybeTlsStream<TcpStream>>, String> {
        let mut request = url
            .into_client_request()
            .map_err(|e| format!("bad server address {url}: {e}"))?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(SUBPROTOCOL),
        );
        let (socket, _) =
            tungstenite::connect(request).map_err(|e| format!("cannot connect to {url}: {e}"))?;
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(READ_SLICE))
                .map_err(|e| e.to_string())?;
            let _ = stream.set_nodelay(true);
        }
        Ok(socket)
    }

    /// Reads and writes until the connection ends; answers why it ended.
    fn serve(
        socket: &mut WebSocket<MaybeTlsStream<TcpStream>>,
        commands: &Receiver<Command>,
        events: &SyncSender<NetEvent>,
    ) -> String {
        loop {
            loop {
                match commands.try_recv() {
                    Ok(Command::Send(bytes)) => {
                        if let Err(e) = socket.send(Message::Binary(bytes.into())) {
                            return format!("send failed: {e}");
                        }
                    }
                    Ok(Command::Connect) => {} // Already connected.
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return "viewer closed".into(),
                }
            }
            match socket.read() {
                Ok(Message::Binary(bytes)) => match Codec::MessagePack.decode(&bytes) {
                    Ok(message) => {
                        // Blocks while the queue is full: TCP pushes back (see the module).
                        if events.send(NetEvent::Message(message)).is_err() {
                            return "viewer closed".into();
                        }
                    }
                    Err(e) => return format!("undecodable frame: {e}"),
                },
                Ok(Message::Close(frame)) => {
                    return frame.map_or("closed by the server".into(), |f| {
                        format!("closed by the server ({}: {})", u16::from(f.code), f.reason)
                    });
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return e.to_string(),
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod web {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

    use super::*;

    type Inbox = Rc<RefCell<VecDeque<NetEvent>>>;

    /// The page's WebSocket; its callbacks fill an inbox the frame loop drains.
    pub(super) struct Socket {
        url: String,
        inbox: Inbox,
        socket: Option<WebSocket>,
        _callbacks: Vec<Closure<dyn FnMut(JsEventArg)>>,
    }

    type JsEventArg = wasm_bindgen::JsValue;

    impl Socket {
        pub(super) fn new(url: String) -> Self {
            Self {
                url,
                inbox: Rc::default(),
                socket: None,
                _callbacks: Vec::new(),
            }
        }

        pub(super) fn poll(&mut self) -> Option<NetEvent> {
            self.inbox.borrow_mut().pop_front()
        }

        pub(super) fn connect(&mut self) {
            if let Some(old) = self.socket.take() {
                let _ = old.close();
            }
            self._callbacks.clear();
            let socket = match WebSocket::new_with_str(&self.url, SUBPROTOCOL) {
                Ok(socket) => socket,
                Err(e) => {
                    let why = format!("cannot connect to {}: {e:?}", self.url);
                    self.inbox.borrow_mut().push_back(NetEvent::Closed(why));
                    return;
                }
            };
            socket.set_binary_type(BinaryType::Arraybuffer);
            let inbox = Rc::clone(&self.inbox);
            let on_open = Closure::<dyn FnMut(JsEventArg)>::new(move |_| {
                inbox.borrow_mut().push_back(NetEvent::Opened);
            });
            let inbox = Rc::clone(&self.inbox);
            let closer = socket.clone();
            let on_message = Closure::<dyn FnMut(JsEventArg)>::new(move |event: JsEventArg| {
                let Ok(event) = event.dyn_into::<MessageEvent>() else {
                    return;
                };
                let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
                    return;
                };
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                let mut inbox = inbox.borrow_mut();
                if inbox.len() >= QUEUE {
                    // The overflow policy: drop the connection; the link resumes.
                    let _ = closer.close_with_code_and_reason(1000, "viewer fell behind");
                    return;
                }
                match Codec::MessagePack.decode(&bytes) {
                    Ok(message) => inbox.push_back(NetEvent::Message(message)),
                    Err(e) => {
                        let _ = closer.close();
                        inbox.push_back(NetEvent::Closed(format!("undecodable frame: {e}")));
                    }
                }
            });
            let inbox = Rc::clone(&self.inbox);
            let on_close = Closure::<dyn FnMut(JsEventArg)>::new(move |event: JsEventArg| {
                let why = match event.dyn_into::<CloseEvent>() {
                    Ok(e) if !e.reason().is_empty() => {
                        format!("closed by the server ({}: {})", e.code(), e.reason())
                    }
                    Ok(e) => format!("connection closed ({})", e.code()),
                    Err(_) => "connection closed".into(),
                };
                inbox.borrow_mut().push_back(NetEvent::Closed(why));
            });
            socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
            self._callbacks = vec![on_open, on_message, on_close];
            self.socket = Some(socket);
        }

        pub(super) fn send(&mut self, message: &ClientMessage) {
            let (Some(socket), Ok(bytes)) = (&self.socket, Codec::MessagePack.encode(message))
            else {
                return;
            };
            let _ = socket.send_with_u8_array(&bytes);
        }
    }
}
