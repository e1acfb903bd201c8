//! The Bevy viewer: the same app natively (`agenthq-viewer`) and in the browser.
//!
//! The office's rules live in the headless modules ([`crate::scene`], [`crate::link`]);
//! the plugins here only move data between them and Bevy:
//!
//! - `net`: the socket (a thread with tungstenite natively, the browser's WebSocket on the
//!   web) feeding the [`Link`];
//! - `office`: sprites for the floor plan and the agents, copied from the [`Scene`];
//! - `camera`: pan, zoom, click to select;
//! - `hud`: the status line, the agent panel and the help overlay;
//! - `shot`: a screenshot and a status file, then exit (for tests and docs).

mod camera;
mod hud;
mod net;
mod office;
mod shot;

use std::path::PathBuf;

use agenthq_protocol::{AgentId, ClientMessage, ServerMessage, Topic, WorkspaceId};
use bevy::prelude::*;

use crate::link::{Action, Change, Link};
use crate::scene::{Scene, Touched};

/// What the viewer shows and where it gets it.
#[derive(Debug, Clone)]
pub struct Options {
    /// The gateway, `ws://host:port/ws`.
    pub server: String,
    pub workspace: WorkspaceId,
    /// A JWT or API key; none for a public workspace.
    pub token: Option<String>,
    /// Take a screenshot here once the office is live, then exit.
    pub screenshot: Option<PathBuf>,
    /// Seconds of live office before the screenshot.
    pub screenshot_after: f32,
    /// Open the panel of the first agent whose name starts with this, once it appears.
    pub select: Option<String>,
    /// Start with the help overlay shown.
    pub help: bool,
}

/// The office being watched: the connection, what it says, and the scene drawn from it.
#[derive(Resource, Debug)]
pub struct Office {
    pub link: Link,
    pub scene: Scene,
    pub selected: Option<AgentId>,
    /// A selection asked for by name (`--select`), made when such an agent appears.
    pub select_by_name: Option<String>,
}

impl Office {
    /// One server message: the link follows it, the scene syncs what it changed; answers
    /// what to send back, if anything.
    pub fn receive(&mut self, message: ServerMessage, now: f64) -> Option<ClientMessage> {
        let (change, reply) = self.link.on_message(message, now);
        let state = &self.link.feed.state;
        match change {
            Change::Nothing => {}
            Change::Everything => self.scene.sync(state, Touched::All),
            Change::Agents => self.scene.sync(state, Touched::Agents(&self.link.touched)),
        }
        for &(from, to) in &self.link.passing {
            self.scene.send(from, to);
        }
        match reply {
            Some(Action::Send(message)) => Some(message),
            _ => None,
        }
    }
}

/// The order of the viewer's work in a frame.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Step {
    /// Frames in, the link and scene updated.
    Net,
    /// Input: camera and selection.
    Input,
    /// Walking and poses, sprites updated.
    Draw,
    /// HUD and panels.
    Ui,
}

/// Runs the viewer until its window closes.
pub fn run(options: Options) -> AppExit {
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(ImagePlugin::default_nearest())
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "AgentHQ office".into(),
                    resolution: (1280, 800).into(),
                    // On the web: fill the page's canvas.
                    canvas: Some("#office".into()),
                    fit_canvas_to_parent: true,
                    prevent_default_event_handling: true,
                    ..default()
                }),
                ..default()
            }),
    );
    app.insert_resource(ClearColor(Color::srgb_u8(0x2a, 0x2c, 0x33)));
    app.insert_resource(Office {
        link: Link::new(Topic::Workspace(options.workspace), options.token.clone()),
        scene: Scene::default(),
        selected: None,
        select_by_name: options.select.clone(),
    });
    app.insert_resource(hud::Overlay {
        help: options.help,
        labels: true,
    });
    app.configure_sets(
        Update,
        (Step::Net, Step::Input, Step::Draw, Step::Ui).chain(),
    );
    app.add_plugins((
        net::plugin(options.server.clone()),
        office::plugin,
        camera::plugin,
        hud::plugin,
    ));
    if let Some(path) = options.screenshot.clone() {
        app.add_plugins(shot::plugin(path, options.screenshot_after));
    }
    app.run()
}

/// The first public workspace the server lists (the demo office), for a viewer started
/// without `--workspace`. Plain HTTP only: give `--workspace` for a `wss://` server.
#[cfg(not(target_arch = "wasm32"))]
pub fn public_workspace(server: &str) -> Result<WorkspaceId, String> {
    use std::io::{Read, Write};

    let authority = server
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("cannot find the demo through {server}: pass --workspace <id>"))?;
    let mut stream = std::net::TcpStream::connect(authority)
        .map_err(|e| format!("cannot reach {authority}: {e} (is `agenthq demo` running?)"))?;
    let request = format!(
        "GET /api/v1/public/workspaces HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .take(1 << 20)
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let response = String::from_utf8_lossy(&response);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    #[derive(serde::Deserialize)]
    struct Listed {
        id: WorkspaceId,
    }
    #[derive(serde::Deserialize)]
    struct Page {
        workspaces: Vec<Listed>,
    }
    let page: Page = serde_json::from_str(body)
        .map_err(|e| format!("{authority} did not list public workspaces ({e})"))?;
    page.workspaces
        .first()
        .map(|w| w.id)
        .ok_or_else(|| format!("{authority} has no public workspace: pass --workspace <id>"))
}

/// In the browser: the gateway of the server that served the page, and the workspace and
/// token the page put in `window.AGENTHQ` (`{ workspace, token }`).
#[cfg(target_arch = "wasm32")]
pub fn page_options() -> Result<Options, String> {
    use wasm_bindgen::JsValue;

    let window = web_sys::window().ok_or("no window")?;
    let location = window.location();
    let scheme = match location.protocol().map_err(|e| format!("{e:?}"))?.as_str() {
        "https:" => "wss:",
        _ => "ws:",
    };
    let host = location.host().map_err(|e| format!("{e:?}"))?;
    let config = js_sys::Reflect::get(&window, &JsValue::from_str("AGENTHQ"))
        .map_err(|e| format!("{e:?}"))?;
    let field = |name: &str| {
        js_sys::Reflect::get(&config, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    let workspace = field("workspace")
        .ok_or("the page named no workspace")?
        .parse::<WorkspaceId>()
        .map_err(|e| format!("bad workspace id: {e}"))?;
    Ok(Options {
        server: format!("{scheme}//{host}/ws"),
        workspace,
        token: field("token"),
        screenshot: None,
        screenshot_after: 0.0,
        select: None,
        help: false,
    })
}

/// Puts a message where the page shows its loading state.
#[cfg(target_arch = "wasm32")]
pub fn show_page_error(why: &str) {
    if let Some(status) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("status"))
    {
        status.set_text_content(Some(why));
    }
}

/// Writes the HUD's text into the page's `<html data-hud data-connection>` attributes.
#[cfg(target_arch = "wasm32")]
fn mirror_to_page(hud: &str, connection: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-hud", hud);
        let _ = root.set_attribute("data-connection", connection);
    }
}
