//! Agents: adding, changing and removing them, and supervising their actors.

use super::*;

impl WorkspaceState {
    /// Adds or reconfigures an agent. Its actor starts with its first task.
    pub(crate) fn add_agent(&mut self, record: AgentRecord) -> Result<AgentView, RuntimeError> {
        let id = record.id;
        if let Some(actor) = self.agents.get(&id).and_then(|s| s.actor.clone()) {
            // An update: the new settings apply from the agent's next start.
            self.agent_by_actor.remove(&actor.get_id());
            actor.stop(None);
        }
        let running = self
            .agents
            .remove(&id)
            .map(|s| s.running)
            .unwrap_or_default();
        self.insert_slot(record);
        for task in running {
            self.interrupt(task, "agent reconfigured");
        }
        self.office
            .live
            .agents
            .get(&id)
            .cloned()
            .ok_or(RuntimeError::UnknownAgent(id))
    }

    pub(crate) fn remove_agent(&mut self, id: AgentId) -> Result<(), RuntimeError> {
        let slot = self
            .agents
            .remove(&id)
            .ok_or(RuntimeError::UnknownAgent(id))?;
        if let Some(actor) = &slot.actor {
            self.agent_by_actor.remove(&actor.get_id());
            actor.stop(None);
        }
        for task in slot.running {
            self.release(task);
            self.finalize(
                task,
                TaskStatus::Cancelled,
                None,
                Some("agent removed".into()),
            );
        }
        self.ready.release_agent(&id);
        self.office.remove_agent(id);
        Ok(())
    }

    pub(crate) fn reset_agent(&mut self, id: AgentId) -> Result<(), RuntimeError> {
        let slot = self
            .agents
            .get_mut(&id)
            .ok_or(RuntimeError::UnknownAgent(id))?;
        slot.faulted = false;
        slot.recent_restarts.clear();
        self.refresh_agent(id);
        Ok(())
    }

    /// An attempt cut short by its agent going away: it counts as a failed attempt.
    pub(super) fn interrupt(&mut self, id: TaskId, why: &str) {
        self.release(id);
        self.fail(id, true, why.to_owned());
    }

    /// An agent's actor crashed: its attempts go through the retry policy; the agent gets
    /// a new actor with its next task, unless it crashed too often in the window.
    pub(crate) fn agent_failed(&mut self, actor: ractor::ActorId, error: &str) {
        let Some(id) = self.agent_by_actor.remove(&actor) else {
            return;
        };
        let Some(slot) = self.agents.get_mut(&id) else {
            return;
        };
        slot.actor = None;
        slot.idle_since = None;
        slot.starting.clear();
        slot.restarts += 1;
        metrics::counter!("agenthq_agent_restarts_total").increment(1);
        let now = Instant::now();
        let window = self.shared.config.restart_window;
        slot.recent_restarts.push_back(now);
        while slot
            .recent_restarts
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            slot.recent_restarts.pop_front();
        }
        let recent = slot.recent_restarts.len();
        let storm = recent as u32 > self.shared.config.max_restarts;
        // Faulted first, so the interrupted attempts retry through the shared queue.
        slot.faulted |= storm;
        let running = std::mem::take(&mut slot.running);
        tracing::warn!(workspace_id = %self.id, agent_id = %id, error, storm, "agent actor crashed");
        for task in running {
            self.interrupt(task, &format!("agent crashed: {error}"));
        }
        if storm {
            let moved = self.ready.release_agent(&id);
            let text = format!(
                "faulted after {recent} restarts in {window:?}; {moved} queued tasks handed to other agents"
            );
            self.line(id, None, ActivityKind::Status, text);
        }
        self.refresh_agent(id);
    }

    /// An actor stopped normally (idle, reconfigured or removed agent). If it still had
    /// attempts (it should not), they go through the retry policy.
    pub(crate) fn agent_stopped(&mut self, actor: ractor::ActorId) {
        let Some(id) = self.agent_by_actor.remove(&actor) else {
            return;
        };
        if let Some(slot) = self.agents.get_mut(&id) {
            slot.actor = None;
            for task in std::mem::take(&mut slot.running) {
                self.interrupt(task, "agent actor stopped");
            }
            self.refresh_agent(id);
        }
    }
}
