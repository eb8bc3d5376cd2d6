//! The interactive loop behind `netverify repl`.
//!
//! On a terminal it uses rustyline: line editing, history saved per user
//! (`$NETVERIFY_HISTORY`, else `$XDG_STATE_HOME/netverify/history`, else
//! `~/.local/state/netverify/history`), tab completion of query words and
//! resource names, Ctrl-C to cancel a line and Ctrl-D to leave. With piped
//! input it reads plain lines and echoes each after the prompt, so a
//! scripted session reads as a transcript. A bad query prints its error and
//! the loop goes on; `reload` re-reads the topology and keeps the session.
//!
//! [`session`] runs one line (parse, evaluate, render); `netverify query`
//! shares it. This is a front end, like `cli`: it sits above the renderers.

mod session;

pub use session::{Action, Context, Status, run_line};

use std::borrow::Cow;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use rustyline::completion::Completer;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context as RlContext, Editor};

use crate::engine::Engine;
use crate::model::Topology;
use crate::query::endpoint::known_names;
use crate::query::lang::{COMMANDS, KEYWORDS, QueryFormat};
use crate::render::TextOptions;

/// The prompt.
pub const PROMPT: &str = "netverify> ";

/// Where the history is kept, per user. `NETVERIFY_HISTORY` overrides it
/// (empty: no history file).
pub fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETVERIFY_HISTORY") {
        return (!p.is_empty()).then(|| PathBuf::from(p));
    }
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("netverify").join("history"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(
        PathBuf::from(home)
            .join(".local")
            .join("state")
            .join("netverify")
            .join("history"),
    )
}

/// Tab completion: query words first, then resource names and keywords.
#[derive(Default)]
pub struct QueryHelper {
    names: Vec<String>,
}

impl QueryHelper {
    pub fn new(names: Vec<String>) -> QueryHelper {
        QueryHelper { names }
    }

    /// Candidates for the word that ends at `pos`, and where it starts.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let pos = pos.min(line.len());
        let head = line.get(..pos).unwrap_or(line);
        let start = head
            .rfind(|c: char| c.is_whitespace() || c == ',')
            .map_or(0, |i| i + 1);
        let word = &head[start..];
        let before: Vec<&str> = head[..start].split_whitespace().collect();
        let pool: Vec<String> = if before.is_empty() {
            COMMANDS.iter().map(|s| (*s).to_string()).collect()
        } else if before.last().is_some_and(|w| *w == "on") || head[..start].ends_with(',') {
            ["tcp/", "udp/", "icmp", "icmpv6", "all"]
                .iter()
                .map(|s| (*s).to_string())
                .collect()
        } else if before.last().is_some_and(|w| *w == "as") {
            ["text", "json", "mermaid", "dot"]
                .iter()
                .map(|s| (*s).to_string())
                .collect()
        } else if before.first().is_some_and(|w| *w == "check") {
            crate::checks::ids()
                .iter()
                .map(|s| (*s).to_string())
                .collect()
        } else {
            let mut v = self.names.clone();
            v.extend(KEYWORDS.iter().map(|s| (*s).to_string()));
            v
        };
        let mut out: Vec<String> = pool.into_iter().filter(|c| c.starts_with(word)).collect();
        out.sort();
        out.dedup();
        (start, out)
    }
}

impl Completer for QueryHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &RlContext<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for QueryHelper {
    type Hint = String;
}

impl Highlighter for QueryHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }

    /// Completion lists show names escaped, as every other output does.
    fn highlight_candidate<'c>(
        &self,
        candidate: &'c str,
        _completion: CompletionType,
    ) -> Cow<'c, str> {
        crate::escape::terminal(candidate)
    }
}

impl Validator for QueryHelper {}

impl rustyline::Helper for QueryHelper {}

/// One read from the input.
enum Input {
    Line(String),
    Interrupted,
    Eof,
}

/// Where lines come from: a terminal (rustyline) or a pipe.
trait Lines {
    fn read(&mut self) -> Input;
    fn set_names(&mut self, names: Vec<String>);
    fn remember(&mut self, line: &str);
}

struct Terminal {
    editor: Editor<QueryHelper, DefaultHistory>,
    history: Option<PathBuf>,
}

impl Lines for Terminal {
    fn read(&mut self) -> Input {
        match self.editor.readline(PROMPT) {
            Ok(l) => Input::Line(l),
            Err(ReadlineError::Interrupted) => Input::Interrupted,
            Err(_) => Input::Eof,
        }
    }

    fn set_names(&mut self, names: Vec<String>) {
        self.editor.set_helper(Some(QueryHelper::new(names)));
    }

    fn remember(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let _ = self.editor.add_history_entry(line);
        if let Some(p) = &self.history {
            if let Some(dir) = p.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = self.editor.save_history(p);
        }
    }
}

struct Piped<R: BufRead> {
    input: R,
}

impl<R: BufRead> Lines for Piped<R> {
    fn read(&mut self) -> Input {
        let mut s = String::new();
        match self.input.read_line(&mut s) {
            Ok(0) | Err(_) => Input::Eof,
            Ok(_) => {
                let line = s.trim_end_matches(['\n', '\r']).to_string();
                // A transcript: the prompt and the query, then the answer.
                say(&format!("{PROMPT}{}\n", crate::escape::terminal(&line)));
                Input::Line(line)
            }
        }
    }

    fn set_names(&mut self, _names: Vec<String>) {}

    fn remember(&mut self, _line: &str) {}
}

fn say(text: &str) -> bool {
    let mut o = std::io::stdout().lock();
    o.write_all(text.as_bytes()).and_then(|_| o.flush()).is_ok()
}

/// A loaded topology and its file text (for `show`).
pub type Loaded = (Topology, Option<String>);

fn banner(topo: &Topology, verb: &str) -> String {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    format!(
        "{verb} {} ({}, {}, {})\n",
        crate::escape::terminal(&topo.file),
        n(topo.vpcs.len(), "VPC", "VPCs"),
        n(topo.subnets.len(), "subnet", "subnets"),
        n(topo.enis.len(), "network interface", "network interfaces")
    )
}

/// Runs the REPL until Ctrl-D, `quit` or the end of the input. `load` reads
/// the topology (at the start and on `reload`); it reports its own errors.
/// Returns false when the first load fails.
pub fn run(load: &dyn Fn() -> Option<Loaded>, terminal: bool, opts: TextOptions) -> bool {
    let Some(mut current) = load() else {
        return false;
    };
    let mut lines: Box<dyn Lines> = if terminal {
        let config = Config::builder()
            .auto_add_history(false)
            .completion_type(CompletionType::List)
            .build();
        match Editor::<QueryHelper, DefaultHistory>::with_config(config) {
            Ok(mut editor) => {
                let history = history_path();
                if let Some(p) = &history {
                    let _ = editor.load_history(p);
                }
                Box::new(Terminal { editor, history })
            }
            Err(_) => Box::new(Piped {
                input: std::io::stdin().lock(),
            }),
        }
    } else {
        Box::new(Piped {
            input: std::io::stdin().lock(),
        })
    };
    say(&banner(&current.0, "loaded"));
    say("type `help` for the queries; Ctrl-D or `quit` leaves\n");
    loop {
        let reload = {
            let (topo, source) = &current;
            let engine = Engine::for_session(topo);
            lines.set_names(known_names(topo));
            let ctx = Context {
                engine: &engine,
                source: source.as_deref(),
                opts,
                format: QueryFormat::Text,
            };
            session(&ctx, lines.as_mut())
        };
        if !reload {
            return true;
        }
        match load() {
            Some(next) => {
                current = next;
                say(&banner(&current.0, "reloaded"));
            }
            None => {
                say("reload failed (see the error above); keeping the previous topology\n");
            }
        }
    }
}

/// Answers lines until a reload (true) or the end (false).
fn session(ctx: &Context<'_, '_>, lines: &mut dyn Lines) -> bool {
    loop {
        let line = match lines.read() {
            Input::Line(l) => l,
            Input::Interrupted => continue,
            Input::Eof => return false,
        };
        lines.remember(&line);
        match run_line(ctx, &line) {
            Action::Output { text, .. } => {
                if !say(&text) {
                    return false;
                }
            }
            Action::Error(e) => {
                say(&e);
            }
            Action::Reload => return true,
            Action::Quit => return false,
            Action::Nothing => {}
        }
    }
}
