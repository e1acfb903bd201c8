//! The camera: pan (drag, WASD or arrow keys), zoom (wheel, +/-, pinch), fit the office
//! (F or Home), and click to select an agent (Esc clears).

use bevy::input::mouse::{MouseScrollUnit, MouseWheel};
use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::office::world;
use super::{Office, Step};
use crate::art::people::CELL_H;

/// Zoom limits: the camera's scale, world pixels per screen pixel.
const MIN_SCALE: f32 = 0.25;
const MAX_SCALE: f32 = 40.0;
/// Keyboard pan speed, in screen pixels per second.
const PAN_SPEED: f32 = 700.0;
/// A press that moves less than this (screen pixels) before release is a click.
const CLICK_SLOP: f32 = 5.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Drag>();
    app.add_systems(Startup, spawn_camera);
    app.add_systems(
        Update,
        (fit_on_new_plan, pan_and_zoom, select)
            .chain()
            .in_set(Step::Input),
    );
}

#[derive(Resource, Default, Debug)]
struct Drag {
    /// Where the press began and how far it moved, in screen pixels.
    from: Option<Vec2>,
    moved: f32,
    last: Option<Vec2>,
    pinch: Option<f32>,
    fitted_plan: Option<u64>,
}

fn spawn_camera(mut commands: Commands<'_, '_>) {
    commands.spawn(Camera2d);
}

fn scale_of(projection: &Projection) -> f32 {
    match projection {
        Projection::Orthographic(o) => o.scale,
        _ => 1.0,
    }
}

fn set_scale(projection: &mut Projection, scale: f32) {
    if let Projection::Orthographic(o) = projection {
        o.scale = scale.clamp(MIN_SCALE, MAX_SCALE);
    }
}

/// Frames the whole office when a (new) floor plan arrives, or on F / Home.
fn fit_on_new_plan(
    office: Res<'_, Office>,
    keys: Res<'_, ButtonInput<KeyCode>>,
    mut drag: ResMut<'_, Drag>,
    window: Query<'_, '_, &Window, With<PrimaryWindow>>,
    mut camera: Query<'_, '_, (&mut Transform, &mut Projection), With<Camera2d>>,
) {
    let revision = office.scene.plan_revision;
    let asked = keys.any_just_pressed([KeyCode::KeyF, KeyCode::Home]);
    if drag.fitted_plan == Some(revision) && !asked {
        return;
    }
    let (Ok(window), Ok((mut transform, mut projection))) = (window.single(), camera.single_mut())
    else {
        return;
    };
    drag.fitted_plan = Some(revision);
    let plan = office.scene.plan();
    let corners = [
        world(plan, 0.0, 0.0),
        world(plan, plan.width as f32, 0.0),
        world(plan, 0.0, plan.height as f32),
        world(plan, plan.width as f32, plan.height as f32),
    ];
    let min = corners.iter().fold(Vec2::MAX, |m, c| m.min(c.truncate()));
    let max = corners.iter().fold(Vec2::MIN, |m, c| m.max(c.truncate())) + Vec2::new(0.0, 120.0);
    let centre = (min + max) / 2.0;
    transform.translation = centre.extend(transform.translation.z);
    let size = max - min;
    let fit = (size.x / window.width()).max(size.y / window.height()) * 1.08;
    set_scale(&mut projection, fit.max(1.0));
}

#[allow(clippy::too_many_arguments)] // A Bevy system: its parameters are what it reads.
fn pan_and_zoom(
    time: Res<'_, Time>,
    keys: Res<'_, ButtonInput<KeyCode>>,
    buttons: Res<'_, ButtonInput<MouseButton>>,
    touches: Res<'_, Touches>,
    mut wheel: MessageReader<'_, '_, MouseWheel>,
    mut drag: ResMut<'_, Drag>,
    window: Query<'_, '_, &Window, With<PrimaryWindow>>,
    mut camera: Query<'_, '_, (&mut Transform, &mut Projection), With<Camera2d>>,
) {
    let (Ok(window), Ok((mut transform, mut projection))) = (window.single(), camera.single_mut())
    else {
        return;
    };
    let scale = scale_of(&projection);

    // Keys.
    let mut dir = Vec2::ZERO;
    for (key, d) in [
        (KeyCode::KeyA, Vec2::NEG_X),
        (KeyCode::ArrowLeft, Vec2::NEG_X),
        (KeyCode::KeyD, Vec2::X),
        (KeyCode::ArrowRight, Vec2::X),
        (KeyCode::KeyW, Vec2::Y),
        (KeyCode::ArrowUp, Vec2::Y),
        (KeyCode::KeyS, Vec2::NEG_Y),
        (KeyCode::ArrowDown, Vec2::NEG_Y),
    ] {
        if keys.pressed(key) {
            dir += d;
        }
    }
    transform.translation += (dir * PAN_SPEED * scale * time.delta_secs()).extend(0.0);
    let mut zoom = 1.0;
    if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        zoom /= 1.25;
    }
    if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        zoom *= 1.25;
    }
    for event in wheel.read() {
        let lines = match event.unit {
            MouseScrollUnit::Line => event.y,
            MouseScrollUnit::Pixel => event.y / 40.0,
        };
        zoom *= 1.15f32.powf(-lines);
    }

    // Mouse drag.
    let cursor = window.cursor_position();
    if buttons.just_pressed(MouseButton::Left) {
        drag.from = cursor;
        drag.last = cursor;
        drag.moved = 0.0;
    }
    if buttons.pressed(MouseButton::Left)
        && let (Some(last), Some(now)) = (drag.last, cursor)
    {
        let delta = now - last;
        drag.moved += delta.length();
        // Screen y grows down, world y up.
        transform.translation += Vec3::new(-delta.x, delta.y, 0.0) * scale;
        drag.last = Some(now);
    }

    // Touch: one finger pans, two pinch.
    let fingers: Vec<_> = touches.iter().collect();
    match fingers.as_slice() {
        [one] => {
            let delta = one.delta();
            transform.translation += Vec3::new(-delta.x, delta.y, 0.0) * scale;
            drag.pinch = None;
        }
        [a, b] => {
            let span = a.position().distance(b.position());
            if let Some(before) = drag.pinch
                && span > 1.0
            {
                zoom *= before / span;
            }
            drag.pinch = Some(span);
        }
        _ => drag.pinch = None,
    }
    if zoom != 1.0 {
        set_scale(&mut projection, scale * zoom);
    }
}

/// A click (press and release without dragging) selects the agent under the cursor, the
/// nearest one when characters overlap; a click on the floor or Esc clears.
fn select(
    buttons: Res<'_, ButtonInput<MouseButton>>,
    keys: Res<'_, ButtonInput<KeyCode>>,
    drag: Res<'_, Drag>,
    mut office: ResMut<'_, Office>,
    window: Query<'_, '_, &Window, With<PrimaryWindow>>,
    camera: Query<'_, '_, (&Camera, &GlobalTransform)>,
) {
    if keys.just_pressed(KeyCode::Escape) {
        office.selected = None;
    }
    if !buttons.just_released(MouseButton::Left) || drag.moved > CLICK_SLOP {
        return;
    }
    let (Ok(window), Ok((camera, at))) = (window.single(), camera.single()) else {
        return;
    };
    let Some(point) = window
        .cursor_position()
        .and_then(|c| camera.viewport_to_world_2d(at, c).ok())
    else {
        return;
    };
    let scene = &office.scene;
    let plan = scene.plan();
    // A character covers about 36 × 84 pixels above its feet.
    let hit = scene
        .actors()
        .iter()
        .filter_map(|a| {
            let feet = world(plan, a.walker.x, a.walker.y);
            let d = point - feet.truncate();
            let inside = d.x.abs() <= 18.0 && d.y >= -6.0 && d.y <= CELL_H as f32 - 28.0;
            inside.then_some((feet.z, a.id))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id);
    office.selected = hit;
}
