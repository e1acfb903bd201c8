//! Sprites: the floor plan (redrawn when it changes) and one character per agent, with a
//! name label, a status bubble, a speech bubble and a progress bar over its desk. Each
//! frame copies the [`Scene`](crate::scene::Scene)'s sprites into Bevy's; labels, bubbles
//! and bars change only when the agent's `revision` does.

use std::collections::HashMap;

use agenthq_protocol::AgentId;
use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::sprite::{Anchor, Text2d};
use bevy::text::{FontSize, TextBounds, TextColor, TextFont};

use super::{Office, Step};
use crate::art::bubbles;
use crate::art::people::{CELL_H, CELL_W, FRAMES};
use crate::iso::{TILE_H, to_screen};
use crate::layout::OfficeLayout;
use crate::scene::{AgentSprite, Bubble};

/// Draw-order range used by the floor plan and the agents; overlays go above it.
const WORLD_Z: f32 = 550.0;
/// Labels, bubbles and bars: above everything in the office.
const OVERLAY_Z: f32 = 900.0;
/// Width of the progress bar over a desk, in pixels.
const BAR_W: f32 = 40.0;
/// Names and speech show up to this camera scale (world pixels per screen pixel); further
/// out they would be unreadable clutter, and thousands of them cost frames.
const TEXT_MAX_SCALE: f32 = 2.5;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Drawn>();
    app.add_systems(Startup, load_art);
    app.add_systems(
        Update,
        (
            draw_plan,
            spawn_and_despawn,
            advance,
            place_agents,
            fly_envelopes,
            refresh_overlays,
            show_text,
        )
            .chain()
            .in_set(Step::Draw),
    );
}

/// The art, decoded once from the PNGs the `agenthq-art` generator committed.
#[derive(Resource, Debug)]
pub(super) struct Art {
    by_name: HashMap<&'static str, Handle<Image>>,
    people: [Handle<Image>; 5],
    bubbles: Handle<Image>,
    envelope: Handle<Image>,
}

impl Art {
    fn get(&self, name: &str) -> Handle<Image> {
        self.by_name.get(name).cloned().unwrap_or_default()
    }
}

macro_rules! pngs {
    ($($name:literal),+ $(,)?) => {
        [$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/office/", $name)) as &[u8])),+]
    };
}

/// Every sprite the viewer draws, built into the binary (one file to ship, nothing to
/// fetch on the web).
const PNGS: [(&str, &[u8]); 20] = pngs![
    "floor.png",
    "wall.png",
    "plant.png",
    "coffee_counter.png",
    "meeting_table.png",
    "desk_plus_x.png",
    "desk_minus_x.png",
    "desk_plus_y.png",
    "desk_minus_y.png",
    "chair_plus_x.png",
    "chair_minus_x.png",
    "chair_plus_y.png",
    "chair_minus_y.png",
    "marcus.png",
    "sable.png",
    "devonte.png",
    "yuki.png",
    "graham.png",
    "bubbles.png",
    "envelope.png",
];

fn decode(bytes: &[u8]) -> Image {
    let image = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .expect("the committed art decodes (checked by the art test)");
    Image::from_dynamic(image, true, RenderAssetUsages::default())
}

fn load_art(mut commands: Commands<'_, '_>, mut images: ResMut<'_, Assets<Image>>) {
    let by_name: HashMap<&'static str, Handle<Image>> = PNGS
        .iter()
        .map(|(name, bytes)| (*name, images.add(decode(bytes))))
        .collect();
    let person = |name: &str| by_name.get(name).cloned().unwrap_or_default();
    commands.insert_resource(Art {
        people: [
            "marcus.png",
            "sable.png",
            "devonte.png",
            "yuki.png",
            "graham.png",
        ]
        .map(person),
        bubbles: person("bubbles.png"),
        envelope: person("envelope.png"),
        by_name,
    });
}

/// The anchor that puts an office sprite's tile centre (16 px above its bottom) on its
/// position.
fn tile_anchor(height: f32) -> Anchor {
    Anchor(Vec2::new(0.0, -0.5 + (TILE_H / 2.0) / height))
}

/// World position of a (fractional) tile: iso screen pixels with y up, and a draw order
/// that puts nearer things in front, spread over `0..WORLD_Z`.
pub(super) fn world(plan: &OfficeLayout, x: f32, y: f32) -> Vec3 {
    let at = to_screen(x, y);
    let span = (plan.width + plan.height + 2) as f32;
    let z = ((x + y) + x / (4.0 * plan.width as f32)) / span * WORLD_Z;
    Vec3::new(at.x, -at.y, z.clamp(0.0, WORLD_Z))
}

/// What is on screen.
#[derive(Resource, Default, Debug)]
struct Drawn {
    plan_revision: Option<u64>,
    agents: HashMap<AgentId, Parts>,
    sprites: Vec<AgentSprite>,
    /// Whether names and speech are shown (the L key and the zoom decide).
    text_shown: bool,
    /// Envelope sprites, made as needed up to [`crate::scene::MAX_FLIGHTS`] and reused.
    envelopes: Vec<Entity>,
}

/// An agent's name label.
#[derive(Component)]
struct Label;

/// One agent's entities.
#[derive(Debug, Clone, Copy)]
struct Parts {
    body: Entity,
    label: Entity,
    bubble: Entity,
    speech: Entity,
    bar: Entity,
    bar_fill: Entity,
    revision: Option<u64>,
    cell: u16,
}

/// Marks the floor plan's sprites (redrawn when the plan changes).
#[derive(Component)]
struct Furniture;

/// An agent's character sprite.
#[derive(Component, Debug, Clone, Copy)]
pub(super) struct Character;

fn draw_plan(
    mut commands: Commands<'_, '_>,
    office: Res<'_, Office>,
    art: Option<Res<'_, Art>>,
    mut drawn: ResMut<'_, Drawn>,
    old: Query<'_, '_, Entity, With<Furniture>>,
    images: Res<'_, Assets<Image>>,
) {
    let Some(art) = art else { return };
    let scene = &office.scene;
    if drawn.plan_revision == Some(scene.plan_revision) {
        return;
    }
    drawn.plan_revision = Some(scene.plan_revision);
    for entity in &old {
        commands.entity(entity).despawn();
    }
    let plan = scene.plan();
    let mut put = |image: &Handle<Image>, height: f32, x: f32, y: f32, dz: f32| {
        let mut at = world(plan, x, y);
        at.z += dz;
        commands.spawn((
            Furniture,
            Sprite::from_image(image.clone()),
            tile_anchor(height),
            Transform::from_translation(at),
        ));
    };
    for t in plan.tiles() {
        let (x, y) = (t.x as f32, t.y as f32);
        if t.x == 0 || t.y == 0 {
            put(&art.get("wall.png"), 104.0, x, y, 0.0);
        } else if t.x < plan.width - 1 && t.y < plan.height - 1 {
            // The floor lies under everything (at z = 0).
            put(&art.get("floor.png"), 32.0, x, y, -world(plan, x, y).z);
        }
    }
    let step = WORLD_Z / (plan.width + plan.height + 2) as f32 / (8.0 * plan.width as f32);
    for (tile, name) in crate::art::furniture(plan) {
        let image = art.get(name);
        let height = images.get(&image).map_or(64.0, |i| i.height() as f32);
        // A chair's back is behind its sitter when the sitter faces +x or +y, in front
        // otherwise: the sitter draws a hair after, or before, the chair.
        let dz = if name.starts_with("chair_plus") {
            -step
        } else if name.starts_with("chair_minus") {
            step
        } else {
            0.0
        };
        put(&image, height, tile.x as f32, tile.y as f32, dz);
    }
}

fn cell_rect(cell: u16) -> Rect {
    let cols = FRAMES.len() as u16;
    let (col, row) = (f32::from(cell % cols), f32::from(cell / cols));
    let (w, h) = (CELL_W as f32, CELL_H as f32);
    Rect::new(col * w, row * h, (col + 1.0) * w, (row + 1.0) * h)
}

fn bubble_rect(bubble: Bubble) -> Rect {
    let s = bubbles::SIZE as f32;
    let x = bubble.index() as f32 * s;
    Rect::new(x, 0.0, x + s, s)
}

fn label_font(size: f32) -> TextFont {
    TextFont {
        font_size: FontSize::Px(size),
        ..default()
    }
}

/// Characters for new agents; gone agents' entities removed.
fn spawn_and_despawn(
    mut commands: Commands<'_, '_>,
    office: Res<'_, Office>,
    art: Option<Res<'_, Art>>,
    mut drawn: ResMut<'_, Drawn>,
) {
    let Some(art) = art else { return };
    let scene = &office.scene;
    drawn.agents.retain(|id, parts| {
        let keep = scene.actor(*id).is_some();
        if !keep {
            for e in [
                parts.body,
                parts.label,
                parts.bubble,
                parts.speech,
                parts.bar,
                parts.bar_fill,
            ] {
                commands.entity(e).despawn();
            }
        }
        keep
    });
    for actor in scene.actors() {
        if drawn.agents.contains_key(&actor.id) {
            continue;
        }
        let body = commands
            .spawn((
                Character,
                Sprite {
                    image: art.people[actor.look % 5].clone(),
                    rect: Some(cell_rect(0)),
                    ..default()
                },
                tile_anchor(CELL_H as f32),
                Transform::default(),
            ))
            .id();
        let label = commands
            .spawn((
                Label,
                Text2d::new(actor.name.clone()),
                label_font(12.0),
                TextColor(Color::srgb_u8(0xfa, 0xf7, 0xf0)),
                bevy::text::TextBackgroundColor(Color::srgba_u8(0x2a, 0x2c, 0x33, 0xc0)),
                Anchor::TOP_CENTER,
                Transform::default(),
                if drawn.text_shown {
                    Visibility::Inherited
                } else {
                    Visibility::Hidden
                },
            ))
            .id();
        let bubble = commands
            .spawn((
                Sprite {
                    image: art.bubbles.clone(),
                    rect: Some(bubble_rect(Bubble::of(actor.status))),
                    ..default()
                },
                Anchor::BOTTOM_CENTER,
                Transform::default(),
            ))
            .id();
        let speech = commands
            .spawn((
                Text2d::new(String::new()),
                label_font(11.0),
                TextColor(Color::srgb_u8(0x2a, 0x2c, 0x33)),
                bevy::text::TextBackgroundColor(Color::srgb_u8(0xfa, 0xf7, 0xf0)),
                TextBounds::new_horizontal(180.0),
                Anchor::BOTTOM_LEFT,
                Transform::default(),
                Visibility::Hidden,
            ))
            .id();
        let bar = commands
            .spawn((
                Sprite::from_color(
                    Color::srgb_u8(0x3a, 0x3f, 0x4b),
                    Vec2::new(BAR_W + 2.0, 6.0),
                ),
                Transform::default(),
                Visibility::Hidden,
            ))
            .id();
        let bar_fill = commands
            .spawn((
                Sprite::from_color(Color::srgb_u8(0x4c, 0xa8, 0x5a), Vec2::new(BAR_W, 4.0)),
                Anchor::CENTER_LEFT,
                Transform::default(),
                Visibility::Hidden,
            ))
            .id();
        drawn.agents.insert(
            actor.id,
            Parts {
                body,
                label,
                bubble,
                speech,
                bar,
                bar_fill,
                revision: None,
                cell: u16::MAX,
            },
        );
    }
}

fn advance(mut office: ResMut<'_, Office>, time: Res<'_, Time>) {
    office.scene.advance(time.delta_secs());
}

/// Every character where the scene says, in the pose it says; its label and bubbles
/// follow it.
fn place_agents(
    office: Res<'_, Office>,
    mut drawn: ResMut<'_, Drawn>,
    mut sprites: Query<'_, '_, &mut Sprite, With<Character>>,
    mut transforms: Query<'_, '_, &mut Transform>,
) {
    let scene = &office.scene;
    let drawn = &mut *drawn;
    scene.sprites(&mut drawn.sprites);
    let plan = scene.plan();
    for (actor, sprite) in scene.actors().iter().zip(&drawn.sprites) {
        let Some(parts) = drawn.agents.get_mut(&actor.id) else {
            continue;
        };
        let mut at = world(plan, actor.walker.x, actor.walker.y);
        // A hair in front of furniture on the same tile (the chair it sits on).
        at.z += 0.001;
        if let Ok(mut t) = transforms.get_mut(parts.body) {
            t.set_if_neq(Transform::from_translation(at));
        }
        if parts.cell != sprite.cell {
            parts.cell = sprite.cell;
            if let Ok(mut s) = sprites.get_mut(parts.body) {
                s.rect = Some(cell_rect(sprite.cell));
            }
        }
        let head = Vec3::new(at.x, at.y, OVERLAY_Z);
        let placements = [
            (parts.label, head + Vec3::new(0.0, -TILE_H / 2.0 - 2.0, 0.0)),
            (parts.bubble, head + Vec3::new(0.0, 70.0, 1.0)),
            (parts.speech, head + Vec3::new(14.0, 92.0, 2.0)),
        ];
        for (entity, to) in placements {
            if let Ok(mut t) = transforms.get_mut(entity) {
                t.set_if_neq(Transform::from_translation(to));
            }
        }
    }
}

/// Messages in the air: one envelope sprite per flight, on its arc; spare sprites hidden.
fn fly_envelopes(
    mut commands: Commands<'_, '_>,
    office: Res<'_, Office>,
    art: Option<Res<'_, Art>>,
    mut drawn: ResMut<'_, Drawn>,
    mut placed: Query<'_, '_, (&mut Transform, &mut Visibility)>,
) {
    let Some(art) = art else { return };
    let scene = &office.scene;
    if drawn.envelopes.len() < scene.flights().len() {
        while drawn.envelopes.len() < scene.flights().len() {
            let sprite = commands
                .spawn((
                    Sprite {
                        image: art.envelope.clone(),
                        ..default()
                    },
                    Transform::default(),
                    Visibility::Hidden,
                ))
                .id();
            drawn.envelopes.push(sprite);
        }
        return; // Placed from the next frame, once spawned.
    }
    let mut flights = scene.flights();
    for &sprite in &drawn.envelopes {
        let Ok((mut transform, mut visibility)) = placed.get_mut(sprite) else {
            continue;
        };
        match flights.next() {
            Some(flight) => {
                let (x, y, lift) = flight.at(scene.clock());
                let floor = world(scene.plan(), x, y);
                let at = Vec3::new(floor.x, floor.y + 40.0 + lift, OVERLAY_Z + 5.0);
                transform.set_if_neq(Transform::from_translation(at));
                visibility.set_if_neq(Visibility::Inherited);
            }
            None => {
                visibility.set_if_neq(Visibility::Hidden);
            }
        }
    }
}

/// Labels, status bubbles, speech and progress bars, for agents whose revision changed
/// (and speech bubbles that expired).
fn refresh_overlays(
    office: Res<'_, Office>,
    mut drawn: ResMut<'_, Drawn>,
    mut texts: Query<'_, '_, &mut Text2d>,
    mut sprites: Query<'_, '_, &mut Sprite, Without<Character>>,
    mut shown: Query<'_, '_, &mut Visibility>,
    mut transforms: Query<'_, '_, &mut Transform>,
) {
    let scene = &office.scene;
    let clock = scene.clock();
    let plan = scene.plan();
    let text_shown = drawn.text_shown;
    for actor in scene.actors() {
        let Some(parts) = drawn.agents.get_mut(&actor.id) else {
            continue;
        };
        let saying = actor.saying(clock).filter(|_| text_shown);
        if let Ok(mut v) = shown.get_mut(parts.speech) {
            v.set_if_neq(if saying.is_some() {
                Visibility::Inherited
            } else {
                Visibility::Hidden
            });
        }
        if parts.revision == Some(actor.revision) {
            continue;
        }
        parts.revision = Some(actor.revision);
        if let Ok(mut text) = texts.get_mut(parts.label) {
            text.0.clone_from(&actor.name);
        }
        if let (Some(line), Ok(mut text)) = (saying, texts.get_mut(parts.speech)) {
            text.0 = line.chars().take(90).collect();
        }
        if let Ok(mut s) = sprites.get_mut(parts.bubble) {
            s.rect = Some(bubble_rect(Bubble::of(actor.status)));
        }
        let bar = actor.progress.zip(plan.desk(actor.desk));
        for e in [parts.bar, parts.bar_fill] {
            if let Ok(mut v) = shown.get_mut(e) {
                v.set_if_neq(if bar.is_some() {
                    Visibility::Inherited
                } else {
                    Visibility::Hidden
                });
            }
        }
        if let Some((progress, desk)) = bar {
            let over = world(plan, desk.tile.x as f32, desk.tile.y as f32);
            let at = Vec3::new(over.x, over.y + 58.0, OVERLAY_Z - 10.0);
            if let Ok(mut t) = transforms.get_mut(parts.bar) {
                t.set_if_neq(Transform::from_translation(at));
            }
            if let Ok(mut t) = transforms.get_mut(parts.bar_fill) {
                t.set_if_neq(Transform::from_translation(
                    at + Vec3::new(-BAR_W / 2.0, 0.0, 1.0),
                ));
            }
            if let Ok(mut s) = sprites.get_mut(parts.bar_fill) {
                s.custom_size = Some(Vec2::new(BAR_W * progress.clamp(0.0, 1.0), 4.0));
            }
        }
    }
}

/// Names (and speech) on or off, by the L key and the zoom; applied only on a change.
fn show_text(
    overlay: Res<'_, super::hud::Overlay>,
    mut drawn: ResMut<'_, Drawn>,
    camera: Query<'_, '_, &Projection, With<Camera2d>>,
    mut labels: Query<'_, '_, &mut Visibility, With<Label>>,
) {
    let scale = match camera.single() {
        Ok(Projection::Orthographic(o)) => o.scale,
        _ => 1.0,
    };
    let show = overlay.labels && scale <= TEXT_MAX_SCALE;
    if show == drawn.text_shown {
        return;
    }
    drawn.text_shown = show;
    for mut v in &mut labels {
        *v = if show {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
}

#[cfg(test)]
mod tests {
    use agenthq_protocol::diff::diff;
    use agenthq_protocol::{
        AgentStatus, AgentView, OfficeState, ServerMessage, TaskId, TaskStatus, TaskView, Topic,
        WorkspaceId,
    };

    use super::*;
    use crate::link::Link;
    use crate::scene::Scene;

    fn topic() -> Topic {
        Topic::Workspace(WorkspaceId::from_bytes([1; 16]))
    }

    /// The office's systems in a headless app: no window, no renderer.
    fn headless() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::asset::AssetPlugin::default()));
        app.init_asset::<Image>();
        let mut link = Link::new(topic(), None);
        link.poll(0.0);
        link.on_opened(0.0);
        app.insert_resource(Office {
            link,
            scene: Scene::default(),
            selected: None,
            select_by_name: None,
        });
        app.init_resource::<crate::app::hud::Overlay>();
        app.configure_sets(
            Update,
            (Step::Net, Step::Input, Step::Draw, Step::Ui).chain(),
        );
        app.add_plugins(plugin);
        app.update(); // Startup: the art.
        app
    }

    fn agent(n: u8, name: &str, status: AgentStatus) -> AgentView {
        AgentView {
            id: AgentId::from_bytes([n; 16]),
            n: 0,
            name: name.into(),
            personality: String::new(),
            status,
            desk: u32::from(n),
            max_concurrent: 1,
            running: 0,
            queued: 0,
            current_task: None,
            restarts: 0,
        }
    }

    /// What the world shows, per agent: name label, bubble and whether a bar is up.
    fn shown(app: &mut App) -> Vec<(String, Rect, bool)> {
        let drawn = app.world().resource::<Drawn>();
        let parts: Vec<Parts> = drawn.agents.values().copied().collect();
        let world = app.world();
        let mut out: Vec<(String, Rect, bool)> = parts
            .iter()
            .map(|p| {
                let label = world.get::<Text2d>(p.label).expect("label").0.clone();
                let bubble = world
                    .get::<Sprite>(p.bubble)
                    .and_then(|s| s.rect)
                    .expect("bubble");
                let bar = world.get::<Visibility>(p.bar) != Some(&Visibility::Hidden);
                (label, bubble, bar)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn expected(state: &OfficeState) -> Vec<(String, Rect, bool)> {
        let mut out: Vec<(String, Rect, bool)> = state
            .agents
            .values()
            .map(|a| {
                let bar = a.current_task.is_some_and(|t| state.tasks.contains_key(&t));
                (a.name.clone(), bubble_rect(Bubble::of(a.status)), bar)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn characters(app: &mut App) -> usize {
        app.world_mut()
            .query_filtered::<(), With<Character>>()
            .iter(app.world())
            .count()
    }

    #[test]
    fn snapshots_and_diffs_reach_the_ecs_world_as_the_protocol_state_says() {
        let mut app = headless();
        let mut state = OfficeState::default();
        for a in [
            agent(0, "Marcus Bell", AgentStatus::Idle),
            agent(1, "Sable Chen", AgentStatus::Thinking),
            agent(2, "Yuki Tanaka", AgentStatus::Blocked),
        ] {
            state.agents.insert(a.id, a);
        }
        let snapshot = ServerMessage::Snapshot {
            topic: topic(),
            epoch: 1,
            seq: 1,
            state: state.clone(),
        };
        app.world_mut()
            .resource_mut::<Office>()
            .receive(snapshot, 0.0);
        app.update();
        assert_eq!(characters(&mut app), 3);
        assert_eq!(shown(&mut app), expected(&state));
        let furniture = app
            .world_mut()
            .query_filtered::<(), With<Furniture>>()
            .iter(app.world())
            .count();
        assert!(furniture > 100, "floor, walls and desks drawn: {furniture}");

        // Sable starts a task and works; Yuki leaves; Graham joins, faulted.
        let mut next = state.clone();
        let task = TaskId::from_bytes([9; 16]);
        let sable = AgentId::from_bytes([1; 16]);
        next.tasks.insert(
            task,
            TaskView {
                id: task,
                n: 0,
                title: "Fix the flaky checkout test".into(),
                target: None,
                assigned: Some(sable),
                priority: 0,
                status: TaskStatus::Running,
                progress: 400,
                attempts: 1,
                max_attempts: 3,
            },
        );
        let s = next.agents.get_mut(&sable).unwrap();
        (s.status, s.current_task) = (AgentStatus::Working, Some(task));
        next.agents.remove(&AgentId::from_bytes([2; 16]));
        let graham = agent(4, "Graham Sutton", AgentStatus::Faulted);
        next.agents.insert(graham.id, graham);
        let step = ServerMessage::Diff {
            topic: topic(),
            epoch: 1,
            seq: 2,
            server_time: 0,
            ops: diff(&state, &next),
        };
        app.world_mut().resource_mut::<Office>().receive(step, 0.1);
        app.update();
        assert_eq!(characters(&mut app), 3, "one left, one came");
        assert_eq!(shown(&mut app), expected(&next));
        let bar = app.world().resource::<Drawn>().agents[&sable].bar_fill;
        let fill = app
            .world()
            .get::<Sprite>(bar)
            .and_then(|s| s.custom_size)
            .unwrap();
        assert_eq!(fill.x, BAR_W * 0.4, "the bar shows 40 %");
    }

    #[test]
    fn a_message_shows_an_envelope_in_the_air_until_it_lands() {
        let mut app = headless();
        let mut state = OfficeState::default();
        let (marcus, sable) = (
            agent(0, "Marcus Bell", AgentStatus::Working),
            agent(1, "Sable Chen", AgentStatus::Idle),
        );
        state.agents.insert(marcus.id, marcus.clone());
        state.agents.insert(sable.id, sable.clone());
        let snapshot = ServerMessage::Snapshot {
            topic: topic(),
            epoch: 1,
            seq: 1,
            state,
        };
        app.world_mut()
            .resource_mut::<Office>()
            .receive(snapshot, 0.0);
        app.update();
        let note = ServerMessage::Diff {
            topic: topic(),
            epoch: 1,
            seq: 2,
            server_time: 0,
            ops: agenthq_protocol::Diff {
                ops: vec![agenthq_protocol::Op::Message(
                    agenthq_protocol::MessageView {
                        id: agenthq_protocol::MessageId::from_bytes([3; 16]),
                        from: Some(marcus.id),
                        to: Some(sable.id),
                        author: "Marcus Bell".into(),
                        text: "Can you review the pricing page?".into(),
                        task: None,
                        at: 0,
                    },
                )],
            },
        };
        app.world_mut().resource_mut::<Office>().receive(note, 0.1);
        let visible = |app: &mut App| {
            let envelopes = app.world().resource::<Drawn>().envelopes.clone();
            envelopes
                .iter()
                .filter(|e| app.world().get::<Visibility>(**e) == Some(&Visibility::Inherited))
                .count()
        };
        app.update(); // spawns the sprite
        app.update(); // places it
        assert_eq!(visible(&mut app), 1, "one envelope on its way");
        app.world_mut()
            .resource_mut::<Office>()
            .scene
            .advance(crate::scene::FLIGHT_SECONDS);
        app.update();
        assert_eq!(
            visible(&mut app),
            0,
            "landed: the sprite is hidden, kept for the next"
        );
        assert_eq!(app.world().resource::<Drawn>().envelopes.len(), 1);
    }
}
