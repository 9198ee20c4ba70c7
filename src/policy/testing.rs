//! Inline policy tests: each `[[test]]` is a small event with the effect it must get.

use super::eval::{self, EvalEnv};
use super::model::PolicyTest;
use super::CompiledPolicy;
use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind, Tool, ToolKind};
use crate::signals::{self, Context};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The outcome of one inline test.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub origin: String,
    pub name: String,
    pub passed: bool,
    pub expected: Effect,
    pub got: Effect,
    pub fired: Vec<String>,
    pub problem: Option<String>,
}

/// A fixed environment for tests: no branch, no env, a fixed clock (a Wednesday noon UTC).
pub struct TestEnv;

impl EvalEnv for TestEnv {
    fn now(&self) -> i64 {
        1_795_521_600 // 2026-11-25T12:00:00Z, a Wednesday
    }
    fn env_var(&self, _: &str) -> Option<String> {
        None
    }
    fn branch(&self) -> Option<String> {
        None
    }
    fn user(&self) -> Option<String> {
        None
    }
    fn team(&self) -> Option<String> {
        None
    }
}

/// The fixed test environment, with the identity and context a test names.
struct ScenarioEnv<'a>(&'a PolicyTest);

impl EvalEnv for ScenarioEnv<'_> {
    fn now(&self) -> i64 {
        TestEnv.now()
    }
    fn env_var(&self, name: &str) -> Option<String> {
        self.0.env.get(name).cloned()
    }
    fn branch(&self) -> Option<String> {
        self.0.branch.clone()
    }
    fn user(&self) -> Option<String> {
        self.0.user.clone()
    }
    fn team(&self) -> Option<String> {
        self.0.team.clone()
    }
}

pub const TEST_CWD: &str = "/home/dev/project";

/// Builds the event a test describes.
pub fn event_for(t: &PolicyTest) -> Event {
    let runtime = t
        .runtime
        .as_deref()
        .and_then(RuntimeKind::parse)
        .unwrap_or(RuntimeKind::Claude);
    let cwd = t.cwd.clone().unwrap_or_else(|| TEST_CWD.to_string());
    let mut ev;
    if let Some(p) = &t.prompt {
        ev = Event::new(runtime, Boundary::Prompt, "test");
        ev.prompt = Some(p.clone());
    } else if let Some(r) = &t.response {
        ev = Event::new(runtime, Boundary::FinalResponse, "test");
        ev.response = Some(r.clone());
    } else if let Some(out) = &t.output {
        ev = Event::new(runtime, Boundary::ToolOutput, "test");
        let name = t.tool.clone().unwrap_or_else(|| "Bash".into());
        ev.tool = Some(crate::event::classify_tool(&name));
        ev.command = t.command.clone();
        ev.output = Some(out.clone());
        ev.tool_response = json!({"stdout": out, "stderr": ""});
    } else if let Some(c) = &t.command {
        ev = Event::new(runtime, Boundary::ToolRequest, "test");
        ev.tool = Some(Tool::new("Bash", ToolKind::Shell));
        ev.command = Some(c.clone());
        ev.tool_input = json!({ "command": c });
    } else if let Some(p) = &t.read {
        ev = Event::new(runtime, Boundary::ToolRequest, "test");
        ev.tool = Some(Tool::new("Read", ToolKind::FileRead));
        ev.paths = vec![p.clone()];
        ev.tool_input = json!({ "file_path": p });
    } else if let Some(p) = &t.write {
        ev = Event::new(runtime, Boundary::ToolRequest, "test");
        ev.tool = Some(Tool::new("Write", ToolKind::FileWrite));
        ev.paths = vec![p.clone()];
        ev.write_content = t.content.clone();
        ev.tool_input = json!({ "file_path": p, "content": t.content.clone().unwrap_or_default() });
    } else {
        ev = Event::new(runtime, Boundary::ToolRequest, "test");
        let name = t.tool.clone().unwrap_or_else(|| "unknown".into());
        ev.tool = Some(crate::event::classify_tool(&name));
        let input = t
            .tool_input
            .as_ref()
            .map(eval::toml_to_json)
            .unwrap_or(Value::Null);
        crate::event::fill_from_input(&mut ev, &input);
        ev.tool_input = input;
    }
    if ev.tool.is_some() && t.tool.is_some() && t.output.is_none() && t.command.is_none() {
        if let Some(name) = &t.tool {
            ev.tool = Some(crate::event::classify_tool(name));
        }
    }
    ev.cwd = cwd;
    ev.session_id = "policy-test".into();
    ev
}

/// A context for tests: the test cwd is the project, home is `/home/dev`.
pub fn context_for(ev: &Event) -> Context {
    Context {
        cwd: PathBuf::from(&ev.cwd),
        project_root: PathBuf::from(&ev.cwd),
        home: Some(PathBuf::from("/home/dev")),
        temp_dirs: vec![PathBuf::from("/tmp"), PathBuf::from("/var/tmp")],
    }
}

/// Evaluates an event the way a test does (fixed env, no state).
pub fn decide(policy: &CompiledPolicy, ev: &Event) -> Decision {
    let ctx = context_for(ev);
    let mut flags = signals::run(ev, &ctx);
    policy.add_detector_flags(ev, &ctx, &mut flags);
    eval::evaluate(policy, ev, &flags, &TestEnv)
}

pub fn run_tests(policy: &CompiledPolicy) -> Vec<TestResult> {
    policy
        .tests
        .iter()
        .enumerate()
        .map(|(i, (origin, t))| {
            let ev = event_for(t);
            let ctx = context_for(&ev);
            let mut flags = signals::run(&ev, &ctx);
            policy.add_detector_flags(&ev, &ctx, &mut flags);
            let d = eval::evaluate(policy, &ev, &flags, &ScenarioEnv(t));
            let mut problem = None;
            if d.would_effect != t.expect {
                problem = Some(format!("expected {}, got {}", t.expect, d.would_effect));
            }
            // A name the test gets wrong would make it pass or fail for the wrong reason.
            if let Some(rt) = &t.runtime {
                if RuntimeKind::parse(rt).is_none() {
                    problem = Some(format!(
                        "unknown runtime `{rt}`{}",
                        super::compiler::did_you_mean(
                            rt,
                            RuntimeKind::ALL.map(RuntimeKind::as_str)
                        )
                        .map(|m| format!("; did you mean `{m}`?"))
                        .unwrap_or_default()
                    ));
                }
            }
            for r in t.fires.iter().chain(&t.not_fires) {
                if !policy.rules.iter().any(|x| &x.id == r) {
                    let ids = policy.rules.iter().map(|x| x.id.as_str());
                    problem.get_or_insert_with(|| {
                        format!(
                            "no rule has the id `{r}`{}",
                            super::compiler::did_you_mean(r, ids)
                                .map(|m| format!("; did you mean `{m}`?"))
                                .unwrap_or_default()
                        )
                    });
                }
            }
            for r in &t.fires {
                if !d.rule_ids.contains(r) {
                    problem.get_or_insert_with(|| format!("rule `{r}` did not fire"));
                }
            }
            for r in &t.not_fires {
                if d.rule_ids.contains(r) {
                    problem.get_or_insert_with(|| format!("rule `{r}` fired"));
                }
            }
            let name = if t.name.is_empty() {
                describe(t, i)
            } else {
                t.name.clone()
            };
            TestResult {
                origin: origin.clone(),
                name,
                passed: problem.is_none(),
                expected: t.expect,
                got: d.would_effect,
                fired: d.rule_ids,
                problem,
            }
        })
        .collect()
}

fn describe(t: &PolicyTest, i: usize) -> String {
    if let Some(c) = &t.command {
        return format!("command `{c}`");
    }
    if let Some(p) = &t.read {
        return format!("read `{p}`");
    }
    if let Some(p) = &t.write {
        return format!("write `{p}`");
    }
    format!("test #{}", i + 1)
}
