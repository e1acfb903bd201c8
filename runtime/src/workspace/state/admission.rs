//! Admission: submissions against the caps, their acknowledgement after commit, and the
//! commands that take tasks out of or back into the queue.

use super::*;

impl WorkspaceState {
    pub(crate) fn submit(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        tasks: Vec<NewTask>,
        reply: SubmitReply,
    ) {
        let now = now_ms();
        let mut results = Vec::with_capacity(tasks.len());
        let mut records = Vec::new();
        for task in tasks {
            match self.admit(task, now) {
                Ok(record) => {
                    results.push(None);
                    records.push(record);
                }
                Err(err) => results.push(Some(Err(err))),
            }
        }
        if records.is_empty() {
            let _ = reply.send(results.into_iter().flatten().collect());
            return;
        }
        let batch = self.next_batch;
        self.next_batch += 1;
        self.pending.insert(batch, PendingSubmit { reply, results });
        let me = myself.clone();
        self.outbox.push(WriteOp::Insert {
            epoch: self.epoch,
            tasks: records,
            done: Box::new(move |tasks, outcome| {
                let _ = me.cast(WorkspaceMsg::Persisted {
                    batch,
                    tasks,
                    outcome,
                });
            }),
        });
    }

    /// Checks a submission against the caps and reserves its place; nothing is buffered
    /// past `max_queued`.
    pub(super) fn admit(&mut self, task: NewTask, now: i64) -> Result<TaskRecord, RuntimeError> {
        if let Some(agent) = task.agent {
            let Some(slot) = self.agents.get(&agent) else {
                return Err(RuntimeError::UnknownAgent(agent));
            };
            let spends = self
                .shared
                .executors
                .get(&slot.identity.config.kind)
                .is_some_and(|e| e.spends());
            if spends && self.budget_level() == Level::Exhausted {
                return Err(RuntimeError::BudgetExceeded {
                    workspace: self.id,
                    spent: self.budget.spent(),
                    limit: self.budget.limit(),
                });
            }
        }
        let max_priority = self.shared.config.tiers.get(self.tier).max_priority;
        if task.priority > max_priority {
            return Err(RuntimeError::TierLimit {
                tier: self.tier,
                allows: format!("task priorities up to {max_priority}"),
            });
        }
        if let Some(key) = &task.idempotency_key
            && (key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES)
        {
            {
                return Err(RuntimeError::Invalid(format!(
                    "idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes"
                )));
            }
        }
        self.quotas.roll(today());
        let limits = *self.shared.config.tiers.get(self.tier);
        if self.quotas.tasks_today >= limits.tasks_per_day {
            return Err(RuntimeError::QuotaExceeded {
                quota: "tasks per day",
                used: self.quotas.tasks_today,
                limit: limits.tasks_per_day,
                retry_after_secs: crate::quota::Quotas::secs_to_next_day(now),
            });
        }
        if self.quotas.minutes_level(limits.agent_minutes_per_month) == Level::Exhausted {
            return Err(RuntimeError::QuotaExceeded {
                quota: "agent-minutes per month",
                used: self.quotas.agent_ms_month / 60_000,
                limit: limits.agent_minutes_per_month,
                retry_after_secs: crate::quota::Quotas::secs_to_next_month(now),
            });
        }
        if self.waiting >= self.caps.max_queued {
            return Err(RuntimeError::QueueFull {
                workspace: self.id,
                queued: self.waiting,
                max_queued: self.caps.max_queued,
            });
        }
        self.waiting += 1;
        self.quotas.tasks_today += 1;
        self.announce_quotas(task.agent);
        let policy = &self.shared.config.retry;
        Ok(TaskRecord {
            id: TaskId::new(),
            workspace: self.id,
            agent: task.agent,
            assigned: None,
            title: task.title,
            input: task.input,
            priority: task.priority,
            status: TaskStatus::Queued,
            attempts: 0,
            max_attempts: task.max_attempts.unwrap_or(policy.max_attempts).max(1),
            backoff_ms: task.backoff.unwrap_or(policy.backoff_base).as_millis() as u64,
            timeout_ms: task
                .timeout
                .unwrap_or(self.shared.config.default_timeout)
                .as_millis() as u64,
            idempotency_key: task.idempotency_key,
            result: None,
            error: None,
            created_at: now,
            updated_at: now,
            run_after: None,
        })
    }

    pub(crate) fn persisted(
        &mut self,
        batch: u64,
        tasks: Vec<TaskRecord>,
        outcome: Result<Vec<InsertOutcome>, StoreError>,
    ) {
        let Some(PendingSubmit { reply, mut results }) = self.pending.remove(&batch) else {
            return;
        };
        let mut answers: Vec<Result<Submitted, RuntimeError>> = Vec::with_capacity(tasks.len());
        match outcome {
            Ok(outcomes) => {
                for (task, outcome) in tasks.into_iter().zip(outcomes) {
                    answers.push(Ok(match outcome {
                        InsertOutcome::Inserted => {
                            metrics::counter!("agenthq_tasks_submitted_total").increment(1);
                            self.usage.submitted += 1;
                            let submitted = Submitted {
                                task: task.clone(),
                                created: true,
                            };
                            self.enqueue(task, None);
                            submitted
                        }
                        InsertOutcome::Duplicate(existing) => {
                            self.waiting -= 1;
                            self.quotas.tasks_today = self.quotas.tasks_today.saturating_sub(1);
                            Submitted {
                                task: *existing,
                                created: false,
                            }
                        }
                    }));
                }
            }
            Err(err) => {
                let message = err.to_string();
                for _ in &tasks {
                    self.waiting -= 1;
                    self.quotas.tasks_today = self.quotas.tasks_today.saturating_sub(1);
                    answers.push(Err(StoreError::WriteFailed(message.clone()).into()));
                }
            }
        }
        let mut answers = answers.into_iter();
        for slot in results.iter_mut().filter(|r| r.is_none()) {
            *slot = answers.next();
        }
        let _ = reply.send(results.into_iter().flatten().collect());
    }

    /// Makes a stored, counted (`waiting`) task live: ready now, or after `delay`.
    pub(super) fn enqueue(&mut self, record: TaskRecord, delay: Option<Duration>) {
        let id = record.id;
        let target = self.target_of(&record);
        let delayed_until = delay.filter(|d| !d.is_zero()).map(|d| Instant::now() + d);
        match delayed_until {
            Some(at) => {
                self.delayed.insert((at, id));
                self.myself
                    .send_after(at - Instant::now(), || WorkspaceMsg::Wake);
            }
            None => self.ready.push(target, scheduler::key(record.priority, id)),
        }
        self.office.set_task(record.view(0));
        self.tasks.insert(
            id,
            LiveTask {
                record,
                progress: 0,
                signals: None,
                started: None,
                cancel_requested: false,
                delayed_until,
            },
        );
        if let Some(agent) = target {
            self.refresh_agent(agent);
        }
    }

    /// The queue a task waits in: its agent's, unless that agent is gone or faulted.
    pub(super) fn target_of(&self, record: &TaskRecord) -> Option<AgentId> {
        record
            .agent
            .filter(|a| self.agents.get(a).is_some_and(|s| !s.faulted))
    }

    /// Cancels a live task: a waiting one ends now, a running one is asked to stop and
    /// ends when its attempt does. `None` if the task is not live here.
    pub(crate) fn cancel(&mut self, id: TaskId) -> Option<TaskRecord> {
        let task = self.tasks.get_mut(&id)?;
        if task.record.status.is_running() {
            task.cancel_requested = true;
            let record = task.record.clone();
            if let Some(actor) = record
                .assigned
                .and_then(|a| self.agents.get(&a))
                .and_then(|s| s.actor.as_ref())
            {
                let _ = actor.cast(AgentMsg::Cancel(id));
            }
            return Some(record);
        }
        match task.delayed_until.take() {
            Some(at) => {
                self.delayed.remove(&(at, id));
            }
            None => {
                let target = task.record.agent;
                let key = scheduler::key(task.record.priority, id);
                self.ready.remove(target, &key);
            }
        }
        self.waiting -= 1;
        let agent = task.record.agent;
        let record = self.finalize(
            id,
            TaskStatus::Cancelled,
            None,
            Some("cancelled by request".into()),
        );
        if let Some(agent) = agent {
            self.refresh_agent(agent);
        }
        record.map(Arc::unwrap_or_clone)
    }

    pub(crate) fn requeue(
        &mut self,
        mut record: TaskRecord,
        reply: RpcReplyPort<Result<TaskRecord, RuntimeError>>,
    ) {
        let refuse = |reply: RpcReplyPort<Result<TaskRecord, RuntimeError>>, err| {
            let _ = reply.send(Err(err));
        };
        if self.tasks.contains_key(&record.id)
            || !matches!(record.status, TaskStatus::Dead | TaskStatus::Failed)
        {
            let status = self
                .tasks
                .get(&record.id)
                .map_or(record.status, |t| t.record.status);
            return refuse(
                reply,
                RuntimeError::InvalidState {
                    task: record.id,
                    status,
                    action: "retry",
                },
            );
        }
        if self.waiting >= self.caps.max_queued {
            return refuse(
                reply,
                RuntimeError::QueueFull {
                    workspace: self.id,
                    queued: self.waiting,
                    max_queued: self.caps.max_queued,
                },
            );
        }
        record.status = TaskStatus::Queued;
        record.attempts = 0;
        record.error = None;
        record.result = None;
        record.run_after = None;
        record.updated_at = now_ms();
        let (done, durable) = tokio::sync::oneshot::channel();
        self.persist(Arc::new(record.clone()), Some(done));
        self.waiting += 1;
        self.enqueue(record.clone(), None);
        tokio::spawn(async move {
            let answer = match durable.await {
                Ok(Ok(())) => Ok(record),
                Ok(Err(err)) => Err(err.into()),
                Err(_) => Err(StoreError::WriterStopped.into()),
            };
            let _ = reply.send(answer);
        });
    }
}
