//! The HUD (workspace, connection, counts, diff frames per second), a banner while the
//! view is not live, the selected agent's panel, and the help overlay (H or ?).

use agenthq_protocol::{AgentStatus, OfficeState, TaskStatus};
use bevy::prelude::*;
use bevy::text::{FontSize, TextFont};

use super::{Office, Step};
use crate::link::Connection;
use crate::scene::Scene;

const INK: Color = Color::srgb(0.98, 0.97, 0.94);
const PANEL: Color = Color::srgba(0.16, 0.17, 0.20, 0.96);
const AMBER: Color = Color::srgb(0.91, 0.64, 0.18);

/// The keyboard and mouse, as the help overlay lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Drag, WASD, arrows", "pan"),
    ("Wheel, + / -, pinch", "zoom"),
    ("F, Home", "fit the office"),
    ("Click an agent", "its panel: task, queue, activity"),
    ("Esc", "close the panel"),
    ("L", "names on / off"),
    ("H, ?", "this help"),
];

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Overlay>();
    app.add_systems(Startup, spawn_hud);
    app.add_systems(Update, select_by_name.in_set(Step::Input));
    app.add_systems(
        Update,
        (keys, update_hud, update_panel).chain().in_set(Step::Ui),
    );
}

#[derive(Resource, Debug)]
pub(super) struct Overlay {
    pub help: bool,
    pub labels: bool,
}

impl Default for Overlay {
    fn default() -> Self {
        Self {
            help: false,
            labels: true,
        }
    }
}

#[derive(Component)]
struct HudText;
#[derive(Component)]
struct Banner;
#[derive(Component)]
struct PanelNode;
#[derive(Component)]
struct PanelText;
#[derive(Component)]
struct HelpNode;

fn font(size: f32) -> TextFont {
    TextFont {
        font_size: FontSize::Px(size),
        ..default()
    }
}

fn spawn_hud(mut commands: Commands<'_, '_>, overlay: Res<'_, Overlay>) {
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            left: Val::Px(12.0),
            top: Val::Px(12.0),
            padding: UiRect::axes(Val::Px(10.0), Val::Px(6.0)),
            ..default()
        },
        BackgroundColor(PANEL),
        children![(HudText, Text::new("connecting"), font(15.0), TextColor(INK))],
    ));
    commands.spawn((
        Banner,
        Node {
            position_type: PositionType::Absolute,
            top: Val::Px(56.0),
            left: Val::Percent(30.0),
            right: Val::Percent(30.0),
            padding: UiRect::all(Val::Px(8.0)),
            justify_content: JustifyContent::Center,
            ..default()
        },
        BackgroundColor(AMBER),
        Visibility::Hidden,
        children![(Text::new(""), font(15.0), TextColor(Color::BLACK))],
    ));
    commands.spawn((
        PanelNode,
        Node {
            position_type: PositionType::Absolute,
            right: Val::Px(12.0),
            top: Val::Px(12.0),
            width: Val::Px(340.0),
            padding: UiRect::all(Val::Px(10.0)),
            ..default()
        },
        BackgroundColor(PANEL),
        Visibility::Hidden,
        children![(PanelText, Text::new(""), font(13.0), TextColor(INK))],
    ));
    let help: String = SHORTCUTS
        .iter()
        .map(|(keys, what)| format!("{keys:<21} {what}\n"))
        .collect();
    commands.spawn((
        HelpNode,
        Node {
            position_type: PositionType::Absolute,
            left: Val::Percent(30.0),
            top: Val::Percent(25.0),
            width: Val::Px(500.0),
            padding: UiRect::all(Val::Px(14.0)),
            ..default()
        },
        BackgroundColor(PANEL),
        if overlay.help {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        },
        children![(
            Text::new(format!("AgentHQ office: keys and mouse\n\n{help}")),
            font(14.0),
            TextColor(INK)
        )],
    ));
}

fn keys(
    keys: Res<'_, ButtonInput<KeyCode>>,
    mut overlay: ResMut<'_, Overlay>,
    mut help: Query<'_, '_, &mut Visibility, With<HelpNode>>,
) {
    if keys.any_just_pressed([KeyCode::KeyH, KeyCode::Slash, KeyCode::F1]) {
        overlay.help = !overlay.help;
        if let Ok(mut v) = help.single_mut() {
            *v = if overlay.help {
                Visibility::Inherited
            } else {
                Visibility::Hidden
            };
        }
    }
    if keys.just_pressed(KeyCode::KeyL) {
        overlay.labels = !overlay.labels;
    }
}

/// The HUD's line, as plain text (the screenshot's status file records the same).
pub(super) fn hud_line(office: &Office, now: f64) -> String {
    let state = &office.link.feed.state;
    let name = state
        .workspace
        .as_ref()
        .map_or("(no workspace yet)", |w| w.name.as_str());
    let working = state
        .agents
        .values()
        .filter(|a| matches!(a.status, AgentStatus::Working | AgentStatus::Thinking))
        .count();
    let (running, queued) = task_counts(state);
    format!(
        "{name}  |  {}\n{} agents ({working} busy)  |  tasks: {running} running, {queued} queued  |  {:.1} diffs/s\nH: help",
        office.link.connection(now).label(),
        state.agents.len(),
        office.link.frames_per_sec(now),
    )
}

fn task_counts(state: &OfficeState) -> (usize, usize) {
    let running = state
        .tasks
        .values()
        .filter(|t| t.status == TaskStatus::Running)
        .count();
    (running, state.tasks.len() - running)
}

fn update_hud(
    office: Res<'_, Office>,
    time: Res<'_, Time>,
    mut text: Query<'_, '_, &mut Text, With<HudText>>,
    mut banner: Query<'_, '_, (&mut Visibility, &Children), With<Banner>>,
    mut texts: Query<'_, '_, &mut Text, Without<HudText>>,
) {
    let now = time.elapsed_secs_f64();
    if let Ok(mut text) = text.single_mut() {
        let line = hud_line(&office, now);
        if text.0 != line {
            // In the browser the page carries the HUD too (for tests and assistive tools).
            #[cfg(target_arch = "wasm32")]
            super::mirror_to_page(&line, &office.link.connection(now).label());
            text.0 = line;
        }
    }
    let Ok((mut visible, children)) = banner.single_mut() else {
        return;
    };
    let connection = office.link.connection(now);
    let stale = matches!(connection, Connection::Reconnecting { .. });
    visible.set_if_neq(if stale {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    });
    if stale && let Some(mut t) = children.first().and_then(|c| texts.get_mut(*c).ok()) {
        let why = office.link.problem.as_deref().unwrap_or("connection lost");
        let line = format!(
            "{} — showing the last known state\n{why}",
            connection.label()
        );
        if t.0 != line {
            t.0 = line;
        }
    }
}

/// The panel's text for the selected agent.
pub(super) fn panel_text(
    state: &OfficeState,
    scene: &Scene,
    id: agenthq_protocol::AgentId,
) -> Option<String> {
    let agent = state.agents.get(&id)?;
    let mut out = format!(
        "{}\n{}\nstatus: {}",
        agent.name,
        agent.personality,
        status_name(agent.status)
    );
    if agent.restarts > 0 {
        out += &format!("  |  restarts: {}", agent.restarts);
    }
    out += "\n\nCurrent task\n";
    match agent.current_task.and_then(|t| state.tasks.get(&t)) {
        Some(task) => {
            out += &format!(
                "  {}\n  {:.0} %  |  attempt {} of {}{}\n",
                task.title,
                f32::from(task.progress) / 10.0,
                task.attempts,
                task.max_attempts,
                if task.attempts > 1 {
                    format!("  |  {} retries", task.attempts - 1)
                } else {
                    String::new()
                },
            );
        }
        None => out += "  none\n",
    }
    let queue: Vec<_> = state
        .tasks
        .values()
        .filter(|t| t.status == TaskStatus::Queued && t.target == Some(id))
        .collect();
    out += &format!("\nQueue ({})\n", agent.queued.max(queue.len() as u32));
    for task in queue.iter().take(5) {
        out += &format!("  {}\n", task.title);
    }
    out += "\nRecent activity\n";
    let lines: Vec<_> = state
        .activity
        .iter()
        .rev()
        .filter(|l| l.agent == id)
        .take(6)
        .collect();
    if lines.is_empty() {
        out += "  (nothing yet)\n";
    }
    for line in lines {
        out += &format!("  {}\n", line.text);
    }
    if let Some(actor) = scene.actor(id) {
        out += &format!(
            "\ndesk {}  |  at ({:.0}, {:.0})",
            agent.desk, actor.walker.x, actor.walker.y
        );
    }
    Some(out)
}

fn update_panel(
    office: Res<'_, Office>,
    mut panel: Query<'_, '_, &mut Visibility, With<PanelNode>>,
    mut text: Query<'_, '_, &mut Text, With<PanelText>>,
) {
    let content = office
        .selected
        .and_then(|id| panel_text(&office.link.feed.state, &office.scene, id));
    if let Ok(mut v) = panel.single_mut() {
        v.set_if_neq(if content.is_some() {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
    }
    if let (Some(content), Ok(mut text)) = (content, text.single_mut())
        && text.0 != content
    {
        text.0 = content;
    }
}

fn status_name(status: AgentStatus) -> &'static str {
    match status {
        AgentStatus::Idle => "idle",
        AgentStatus::Thinking => "thinking",
        AgentStatus::Working => "working",
        AgentStatus::AwaitingApproval => "awaiting approval",
        AgentStatus::Blocked => "blocked",
        AgentStatus::Faulted => "faulted",
    }
}

/// `--select <name>`: opens that agent's panel once it is in the office.
fn select_by_name(mut office: ResMut<'_, Office>) {
    let Some(name) = office.select_by_name.as_deref() else {
        return;
    };
    let found = office
        .scene
        .actors()
        .iter()
        .find(|a| a.name.starts_with(name))
        .map(|a| a.id);
    if found.is_some() {
        office.selected = found;
        office.select_by_name = None;
    }
}
