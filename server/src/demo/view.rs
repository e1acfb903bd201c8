//! The demo's office in the terminal: a few lines a person reads (this is output, not
//! logging, hence the prints).

use agenthq_protocol::{OfficeState, TaskStatus};

#[allow(clippy::print_stdout)]
pub fn draw_office(state: &OfficeState) {
    let waiting = state
        .tasks
        .values()
        .filter(|t| t.status == TaskStatus::Queued)
        .count();
    let name = state.workspace.as_ref().map_or("?", |w| w.name.as_str());
    println!(
        "\n{name}: {} agents, {waiting} tasks waiting",
        state.agents.len()
    );
    let mut agents: Vec<_> = state.agents.values().collect();
    agents.sort_by_key(|a| a.desk);
    for agent in agents {
        let task = agent.current_task.and_then(|id| state.tasks.get(&id));
        let progress = task.map_or(String::new(), |t| {
            let filled = usize::from(t.progress / 100).min(10);
            format!(
                "[{}{}] {}",
                "#".repeat(filled),
                ".".repeat(10 - filled),
                t.title
            )
        });
        let said = state
            .activity
            .iter()
            .rev()
            .find(|l| l.agent == agent.id)
            .map_or("", |l| l.text.as_str());
        let status = crate::tail::status_word(agent.status);
        println!("  {:<16} {:<9} {:<52} {said}", agent.name, status, progress);
    }
}
