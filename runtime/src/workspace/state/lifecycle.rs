//! How tasks run and end: dispatch under the caps, attempt outcomes, retries with
//! backoff, terminal states.

use super::*;

impl WorkspaceState {
    /// Starts ready tasks while caps allow: the best task (priority, then age) among the
    /// shared queue and the queues of agents with a free slot; shared tasks go to the
    /// least-loaded free agent.
    pub(super) fn dispatch(&mut self) {
        while self.running < self.caps.max_running {
            let mut best = self.ready.first_any().map(|k| (*k, None));
            if self.ready.has_targeted() {
                for (id, slot) in &self.agents {
                    if !slot.can_take() {
                        continue;
                    }
                    if let Some(k) = self.ready.first_for(id)
                        && best.is_none_or(|(b, _)| *k < b)
                    {
                        best = Some((*k, Some(*id)));
                    }
                }
            }
            let Some((key, source)) = best else { break };
            let agent = match source {
                Some(agent) => agent,
                // No free agent: then no agent's own queue offered a task either.
                None => match self.least_loaded() {
                    Some(agent) => agent,
                    None => break,
                },
            };
            self.ready.remove(source, &key);
            self.start(key.1, agent);
        }
    }

    pub(super) fn least_loaded(&self) -> Option<AgentId> {
        self.agents
            .iter()
            .filter(|(_, s)| s.can_take())
            .min_by_key(|(id, s)| (s.running.len(), self.ready.len_for(id), s.record.desk))
            .map(|(id, _)| *id)
    }

    pub(super) fn start(&mut self, id: TaskId, agent: AgentId) {
        let (Some(task), Some(slot)) = (self.tasks.get_mut(&id), self.agents.get_mut(&agent))
        else {
            return;
        };
        let record = &mut task.record;
        record.status = TaskStatus::Running;
        record.attempts += 1;
        record.assigned = Some(agent);
        record.run_after = None;
        record.updated_at = now_ms();
        let signals = Arc::new(Signals::new(self.shared.config.activity_buffer));
        task.signals = Some(signals.clone());
        task.started = Some(Instant::now());
        task.progress = 0;
        slot.running.push(id);
        slot.last_kind = None;
        self.waiting -= 1;
        self.running += 1;
        // One copy serves the store and the agent.
        let record = Arc::new(record.clone());
        if let Some(view) = self.office.task_mut(id) {
            view.status = record.status;
            view.attempts = record.attempts;
            view.assigned = record.assigned;
            view.progress = 0;
        }
        self.persist(record.clone(), None);
        // Handed over after this message, with the agent's other new attempts.
        if let Some(slot) = self.agents.get_mut(&agent) {
            slot.starting.push(Attempt {
                task: record,
                signals,
            });
        }
        self.to_start.insert(agent);
        self.refresh_agent(agent);
    }

    pub(crate) fn finished(
        &mut self,
        agent: AgentId,
        id: TaskId,
        attempt: u32,
        outcome: AttemptOutcome,
    ) {
        let current = self.tasks.get(&id).is_some_and(|t| {
            t.record.status.is_running()
                && t.record.attempts == attempt
                && t.record.assigned == Some(agent)
        });
        if !current {
            return; // A late report from an attempt already accounted for.
        }
        self.read_signals(id);
        let cancel_requested = self.release(id);
        match outcome {
            AttemptOutcome::Succeeded(value) => {
                self.finalize(id, TaskStatus::Succeeded, Some(value), None);
            }
            _ if cancel_requested => {
                self.finalize(
                    id,
                    TaskStatus::Cancelled,
                    None,
                    Some("cancelled by request".into()),
                );
            }
            AttemptOutcome::Failed(err) => self.fail(id, err.retryable, err.message),
            AttemptOutcome::TimedOut => {
                let timeout = self.tasks.get(&id).map_or(0, |t| t.record.timeout_ms);
                self.fail(id, true, format!("timed out after {timeout} ms"));
            }
            AttemptOutcome::Cancelled => self.fail(id, true, "attempt interrupted".into()),
        }
    }

    /// Frees the running slot of a task (its agent's too, if the agent is still there);
    /// returns whether cancellation was requested.
    pub(super) fn release(&mut self, id: TaskId) -> bool {
        let Some(task) = self.tasks.get_mut(&id) else {
            return false;
        };
        if !task.record.status.is_running() {
            return false;
        }
        self.running -= 1;
        if let Some(started) = task.started.take() {
            let ms = started.elapsed().as_millis() as u64;
            self.usage.agent_ms += ms;
            self.quotas.agent_ms_month += ms;
            if let Some(agent) = task.record.assigned {
                self.agent_usage.entry(agent).or_default().agent_ms += ms;
            }
        }
        task.signals = None;
        let (agent, cancel_requested) = (task.record.assigned, task.cancel_requested);
        let was_waiting = task.record.status == TaskStatus::AwaitingApproval;
        if was_waiting {
            task.record.status = TaskStatus::Running;
            self.cancel_approval_of(id);
        }
        if let Some(agent) = agent {
            if let Some(slot) = self.agents.get_mut(&agent) {
                slot.running.retain(|t| *t != id);
            }
            self.refresh_agent(agent);
        }
        // The agent-minutes just counted may cross a quota's line.
        self.announce_quotas(agent);
        cancel_requested
    }

    /// A failed attempt: back to the queue after a backoff, or dead when none is left (a
    /// permanent error ends the task as `failed` at once).
    pub(super) fn fail(&mut self, id: TaskId, retryable: bool, message: String) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let record = &mut task.record;
        if !retryable || record.attempts >= record.max_attempts {
            let status = if retryable {
                TaskStatus::Dead
            } else {
                TaskStatus::Failed
            };
            self.finalize(id, status, None, Some(message));
            return;
        }
        let policy = self.shared.config.retry;
        let delay = policy.backoff(
            Duration::from_millis(record.backoff_ms),
            record.attempts + 1,
            self.rng.random(),
        );
        record.status = TaskStatus::Queued;
        record.error = Some(message);
        record.updated_at = now_ms();
        record.run_after = Some(record.updated_at + delay.as_millis() as i64);
        let record = record.clone();
        tracing::debug!(workspace_id = %self.id, task_id = %id, attempts = record.attempts, ?delay, "attempt failed; retrying");
        metrics::counter!("agenthq_task_retries_total").increment(1);
        self.office.event(record.event());
        self.persist(Arc::new(record.clone()), None);
        self.tasks.remove(&id);
        self.waiting += 1;
        self.enqueue(record, Some(delay));
    }

    /// Ends a live task (not running any more) in a terminal status.
    pub(super) fn finalize(
        &mut self,
        id: TaskId,
        status: TaskStatus,
        result: Option<serde_json::Value>,
        error: Option<String>,
    ) -> Option<Arc<TaskRecord>> {
        let mut task = self.tasks.remove(&id)?;
        let record = &mut task.record;
        record.status = status;
        record.result = result;
        if error.is_some() {
            record.error = error;
        }
        record.run_after = None;
        record.updated_at = now_ms();
        self.usage.count(status);
        if let Some(agent) = record.assigned {
            self.agent_usage.entry(agent).or_default().count(status);
        }
        metrics::counter!("agenthq_tasks_finished_total", "status" => status.as_str()).increment(1);
        self.office.remove_task(id);
        self.office.event(record.event());
        let record = Arc::new(task.record);
        self.persist(record.clone(), None);
        Some(record)
    }

    /// Queues the task's latest state for the store; `done` hears when it is durable.
    pub(super) fn persist(
        &mut self,
        task: Arc<TaskRecord>,
        done: Option<tokio::sync::oneshot::Sender<Result<(), StoreError>>>,
    ) {
        self.outbox.push(WriteOp::Update {
            epoch: self.epoch,
            task,
            done,
        });
    }

    pub(crate) fn wake(&mut self) {
        let now = Instant::now();
        while let Some(&(at, id)) = self.delayed.first() {
            if at > now {
                break;
            }
            self.delayed.pop_first();
            let Some(task) = self.tasks.get_mut(&id) else {
                continue;
            };
            task.delayed_until = None;
            let (priority, record_agent) = (task.record.priority, task.record.clone());
            let target = self.target_of(&record_agent);
            self.ready.push(target, scheduler::key(priority, id));
            if let Some(agent) = target {
                self.refresh_agent(agent);
            }
        }
    }
}
