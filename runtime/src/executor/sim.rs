//! `sim`: believable simulated work, seeded so a run can be replayed.

use std::time::Duration;

use agenthq_protocol::ActivityKind;
use async_trait::async_trait;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{ExecContext, ExecError, Executor};

/// Settings of a simulated task: from the agent's executor params, overridden field by
/// field by the task's input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimParams {
    /// Steps of work; progress and an activity line are reported after each.
    pub steps: u32,
    /// Mean duration of one step, in milliseconds (each step varies ±50%). 0 makes the task
    /// complete at once, without yielding.
    pub step_ms: u64,
    /// Probability that an attempt fails (retryable).
    pub fail_rate: f64,
    /// Seed of the attempt's randomness; derived from the task id when absent.
    pub seed: Option<u64>,
    /// Probability that a finished task ends with a note to a colleague (a `message`, so
    /// the demo office shows envelopes flying); 0 sends none.
    pub message_rate: f64,
}

impl Default for SimParams {
    fn default() -> Self {
        Self {
            steps: 5,
            step_ms: 400,
            fail_rate: 0.0,
            seed: None,
            message_rate: 0.0,
        }
    }
}

impl SimParams {
    fn resolve(ctx: &ExecContext) -> Result<Self, ExecError> {
        let mut params = SimParams::default();
        for layer in [&ctx.config.params, &ctx.task.input] {
            if !layer.is_object() {
                continue; // Null (nothing set) or not meant for the simulator.
            }
            let o = SimOverrides::deserialize(layer)
                .map_err(|e| ExecError::permanent(format!("invalid sim parameters: {e}")))?;
            params.steps = o.steps.unwrap_or(params.steps);
            params.step_ms = o.step_ms.unwrap_or(params.step_ms);
            params.fail_rate = o.fail_rate.unwrap_or(params.fail_rate);
            params.seed = o.seed.or(params.seed);
            params.message_rate = o.message_rate.unwrap_or(params.message_rate);
        }
        Ok(params)
    }
}

/// The fields one layer may set; unknown fields are someone else's.
#[derive(Deserialize)]
struct SimOverrides {
    steps: Option<u32>,
    step_ms: Option<u64>,
    fail_rate: Option<f64>,
    seed: Option<u64>,
    message_rate: Option<f64>,
}

/// The `sim` executor.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimExecutor;

const THOUGHTS: &[&str] = &[
    "Reading the brief for",
    "Weighing two approaches to",
    "Sketching a plan for",
    "Checking assumptions behind",
    "Breaking down",
];
const TOOLS: &[&str] = &["search", "read_file", "query_db", "fetch_docs", "run_tests"];
const OUTPUTS: &[&str] = &[
    "Drafted the first section of",
    "Found three relevant sources for",
    "Fixed an edge case in",
    "Summarised findings on",
    "Wrote notes on",
];

#[async_trait]
impl Executor for SimExecutor {
    async fn run(&self, ctx: &ExecContext) -> Result<serde_json::Value, ExecError> {
        let params = SimParams::resolve(ctx)?;
        let seed = params.seed.unwrap_or_else(|| {
            let b = ctx.task.id.as_uuid().as_bytes();
            u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
        });
        let mut rng = SmallRng::seed_from_u64(seed ^ u64::from(ctx.attempt).rotate_left(32));
        let subject = if ctx.task.title.is_empty() {
            "the task"
        } else {
            ctx.task.title.as_str()
        };
        for step in 0..params.steps {
            if params.step_ms > 0 {
                let ms = params.step_ms as f64 * rng.random_range(0.5..1.5);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)) => {}
                    () = ctx.cancelled() => return Err(ExecError::permanent("cancelled")),
                }
                let (kind, text) = match rng.random_range(0..3) {
                    0 => (
                        ActivityKind::Thought,
                        format!("{} {subject}", pick(&mut rng, THOUGHTS)),
                    ),
                    1 => (
                        ActivityKind::ToolCall,
                        format!("{}(\"{subject}\")", pick(&mut rng, TOOLS)),
                    ),
                    _ => (
                        ActivityKind::Output,
                        format!("{} {subject}", pick(&mut rng, OUTPUTS)),
                    ),
                };
                ctx.activity(kind, text);
            }
            ctx.progress(((step + 1) * 1000 / params.steps) as u16);
        }
        if params.fail_rate > 0.0 && rng.random_bool(params.fail_rate.clamp(0.0, 1.0)) {
            return Err(ExecError::retryable(format!(
                "simulated failure in step {}",
                params.steps
            )));
        }
        if params.message_rate > 0.0 && rng.random_bool(params.message_rate.clamp(0.0, 1.0)) {
            note_to_a_colleague(ctx, &mut rng, subject).await;
        }
        Ok(serde_json::json!({ "summary": format!("Finished {subject}"), "steps": params.steps }))
    }
}

const NOTES: &[&str] = &[
    "Finished {}; notes are in the shared drive.",
    "Can you take a look at {} when you have a minute?",
    "Heads-up: {} is done, your part is next.",
    "Quick question about {}: does this match what you expected?",
];

/// Writes a short note about the task to a colleague chosen at random. A note is
/// decoration: one that cannot be sent is skipped.
async fn note_to_a_colleague(ctx: &ExecContext, rng: &mut SmallRng, subject: &str) {
    let Ok(colleagues) = ctx.colleagues().await else {
        return;
    };
    let others: Vec<_> = colleagues.iter().filter(|a| a.id != ctx.agent).collect();
    if others.is_empty() {
        return;
    }
    let to = others[rng.random_range(0..others.len())].id;
    let text = pick(rng, NOTES).replace("{}", subject);
    if let Err(e) = ctx.send_message(Some(to), text).await {
        tracing::debug!(task_id = %ctx.task.id, error = %e, "simulated note not sent");
    }
}

fn pick<'a>(rng: &mut SmallRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::test_context as context;

    async fn run(
        input: serde_json::Value,
        attempt: u32,
    ) -> (Result<serde_json::Value, ExecError>, Vec<String>) {
        let (ctx, signals) = context(input, attempt);
        let outcome = SimExecutor.run(&ctx).await;
        let reported = signals.take();
        assert_eq!(reported.progress, Some(1000), "progress reaches the end");
        let lines = reported.lines.into_iter().map(|(_, text)| text).collect();
        (outcome, lines)
    }

    #[tokio::test(start_paused = true)]
    async fn the_same_seed_replays_the_same_work_and_attempts_differ() {
        let input = serde_json::json!({ "steps": 6, "step_ms": 100, "fail_rate": 0.5, "seed": 42 });
        let first = run(input.clone(), 1).await;
        assert_eq!(
            first,
            run(input.clone(), 1).await,
            "seeded: the same run twice"
        );
        assert_eq!(first.1.len(), 6, "one activity line per step");
        assert!(
            first
                .1
                .iter()
                .all(|line| line.contains("the quarterly report"))
        );
        let others: Vec<_> = (2..8).map(|attempt| run(input.clone(), attempt)).collect();
        let mut differ = false;
        for other in others {
            differ |= other.await != first;
        }
        assert!(differ, "a retry is not a replay of the failed attempt");
    }

    #[tokio::test]
    async fn bad_parameters_fail_the_task_for_good() {
        let (ctx, _) = context(serde_json::json!({ "steps": "many" }), 1);
        let err = SimExecutor.run(&ctx).await.unwrap_err();
        assert!(
            !err.retryable && err.message.contains("invalid sim parameters"),
            "{err:?}"
        );
    }
}
