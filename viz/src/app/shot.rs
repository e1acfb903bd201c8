//! `--screenshot <file.png>`: once the office has been live for a while, save the window
//! and a status file beside it (`<file>.json`: the HUD's text, the connection, counts),
//! then exit. Tests check the picture and the status; the README's pictures come from it.
//! Gives up (status "timeout", exit code 2) if the office is not live within
//! [`GIVE_UP_SECS`].

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use super::{Office, Step};

/// Longest wait for a live office, in seconds.
const GIVE_UP_SECS: f64 = 60.0;

#[derive(Resource, Debug)]
struct Shot {
    path: PathBuf,
    after: f64,
    live_since: Option<f64>,
    taken: bool,
    frames_since: u32,
}

pub(super) fn plugin(path: PathBuf, after: f32) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Shot {
            path: path.clone(),
            after: f64::from(after),
            live_since: None,
            taken: false,
            frames_since: 0,
        });
        app.add_systems(Update, take.after(Step::Ui));
    }
}

fn take(
    mut commands: Commands<'_, '_>,
    mut shot: ResMut<'_, Shot>,
    office: Res<'_, Office>,
    time: Res<'_, Time>,
    mut exit: MessageWriter<'_, AppExit>,
) {
    let now = time.elapsed_secs_f64();
    if shot.taken {
        // Give the capture a few frames to reach the disk, then leave.
        shot.frames_since += 1;
        if shot.frames_since > 30 && shot.path.exists() {
            exit.write(AppExit::Success);
        }
        return;
    }
    let live = office.link.live() && !office.scene.actors().is_empty();
    if !live {
        shot.live_since = None;
        if now > GIVE_UP_SECS {
            write_status(&shot.path, &office, now, "timeout");
            exit.write(AppExit::from_code(2));
        }
        return;
    }
    let since = *shot.live_since.get_or_insert(now);
    if now - since < shot.after {
        return;
    }
    shot.taken = true;
    write_status(&shot.path, &office, now, "ok");
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_to_disk(shot.path.clone()))
        .observe(|_: On<'_, '_, ScreenshotCaptured>| info!("screenshot captured"));
}

fn write_status(path: &std::path::Path, office: &Office, now: f64, outcome: &str) {
    let state = &office.link.feed.state;
    let status = serde_json::json!({
        "outcome": outcome,
        "hud": super::hud::hud_line(office, now),
        "connection": office.link.connection(now).label(),
        "workspace": state.workspace.as_ref().map(|w| w.name.clone()),
        "agents": state.agents.len(),
        "looks": office.scene.actors().iter().map(|a| a.look).collect::<std::collections::BTreeSet<_>>(),
        "problem": office.link.problem,
    });
    let file = path.with_extension("json");
    if let Err(e) = std::fs::write(&file, format!("{status:#}\n")) {
        error!("cannot write {}: {e}", file.display());
    }
}
