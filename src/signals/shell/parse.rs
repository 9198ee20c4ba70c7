//! A bounded recursive-descent parser for the shell language, just deep enough to find every
//! simple command a command line would execute.
//!
//! It keeps the structure analysis needs (pipelines, so a stage knows what feeds its stdin;
//! groups and functions; redirections and heredoc bodies; the command and process
//! substitutions inside each word) and drops the rest: reserved words such as `if`, `then`,
//! `do`, `done` are transparent separators, because every branch of a conditional may run.
//!
//! Bounded by construction: recursion depth and a step budget shared with the analysis are
//! checked on every descent and loop, so deep nesting, an unclosed `$(` or a huge input ends
//! the parse early with [`Budget::limit`] set instead of exhausting the stack or the clock.

/// The shared work budget of one analysis: parse steps and nesting depth.
#[derive(Debug, Clone)]
pub struct Budget {
    steps_left: usize,
    pub max_depth: usize,
    /// Which limit was hit first, if any: `depth`, `work` or `size`.
    pub limit: Option<&'static str>,
}

/// Longest command line analysed in full; the rest is not looked at (and flagged).
pub const MAX_INPUT: usize = 1 << 20;
const MAX_STEPS: usize = 4_000_000;
const MAX_DEPTH: usize = 48;

impl Default for Budget {
    fn default() -> Self {
        Budget {
            steps_left: MAX_STEPS,
            max_depth: MAX_DEPTH,
            limit: None,
        }
    }
}

impl Budget {
    /// Spends one unit of work; false once the budget is exhausted.
    pub fn step(&mut self) -> bool {
        if self.limit.is_some() {
            return false;
        }
        if self.steps_left == 0 {
            self.limit = Some("work");
            return false;
        }
        self.steps_left -= 1;
        true
    }

    pub fn spend(&mut self, n: usize) -> bool {
        if self.steps_left < n {
            self.steps_left = 0;
            self.limit.get_or_insert("work");
            return false;
        }
        self.steps_left -= n;
        true
    }

    pub fn exhausted(&self) -> bool {
        self.limit.is_some()
    }
}

/// One shell word after quote removal. Expansions whose value is unknown are kept as written
/// (`$HOME/x`) and mark the word dynamic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Word {
    pub text: String,
    /// Contains a parameter expansion or a command substitution: the value is not static.
    pub dynamic: bool,
    /// Any quoting or escaping appeared (`'rm'`, `\rm`): such a word is never a reserved word.
    pub quoted: bool,
    /// Command and process substitutions inside the word; they run before the command.
    pub subs: Vec<Node>,
    /// The word is a process substitution `<( )` / `>( )` (its text is not a real path).
    pub procsub: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`
    In,
    /// `>`, `>|`, `&>`
    Out,
    /// `>>`, `&>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `<&`, `>&` with a descriptor number or `-`
    Dup,
    /// `<<`, `<<-`: body in [`Redir::body`]
    HereDoc,
    /// `<<<`: body in [`Redir::body`]
    HereString,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Redir {
    pub fd: Option<u32>,
    pub op: RedirOp,
    pub target: Word,
    /// Heredoc body or here-string text.
    pub body: Option<String>,
}

/// A simple command: assignments, words and redirections, with its source text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Simple {
    pub assigns: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Simple(Simple),
    /// Stages joined by `|`: each stage's stdin is the previous stage's stdout.
    Pipeline(Vec<Node>),
    /// Commands run one after another (`;`, `&&`, `||`, `&`, newlines, compound bodies).
    List(Vec<Node>),
    /// `{ }` (and compound commands) with redirections applying to the whole body.
    Group(Box<Node>, Vec<Redir>),
    /// `( )`: a subshell, whose `cd`, variables, aliases and functions do not outlive it.
    Subshell(Box<Node>, Vec<Redir>),
    /// `name() body`: recorded so that calls of `name` can be recognized.
    Function(String, Box<Node>),
}

impl Node {
    pub fn empty() -> Node {
        Node::List(Vec::new())
    }
}

/// What a command substitution's unknown output reads as in a word's text: a parameter
/// expansion, so re-parsing the text (`bash -c "$(…)"`) sees a dynamic word, not a command.
pub const SUBST: &str = "${__cmdsubst}";

const RESERVED_TRANSPARENT: &[&str] = &["if", "then", "elif", "else", "do", "while", "until", "!"];
const RESERVED_CLOSERS: &[&str] = &["fi", "done", "esac"];

/// What ends the list being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closer {
    Eof,
    Paren,
    Brace,
    CaseItem,
}

struct Parser<'a, 'b> {
    s: &'a [char],
    pos: usize,
    budget: &'b mut Budget,
    depth: usize,
    /// Where the body of the next heredoc starts, once one was seen on the current line.
    heredoc_next: Option<usize>,
    /// Where the lexer continues after the newline that ends a line with heredocs.
    heredoc_resume: Option<usize>,
}

impl<'a, 'b> Parser<'a, 'b> {
    fn new(s: &'a [char], budget: &'b mut Budget, depth: usize) -> Self {
        Parser {
            s,
            pos: 0,
            budget,
            depth,
            heredoc_next: None,
            heredoc_resume: None,
        }
    }
}

/// Parses a script. Never fails: malformed input yields what could be recognized, and limits
/// are recorded in the budget.
pub fn parse(src: &str, budget: &mut Budget, depth: usize) -> Node {
    let src = if src.len() > MAX_INPUT {
        budget.limit.get_or_insert("size");
        let mut end = MAX_INPUT;
        while !src.is_char_boundary(end) {
            end -= 1;
        }
        &src[..end]
    } else {
        src
    };
    if depth >= budget.max_depth {
        budget.limit.get_or_insert("depth");
        return Node::empty();
    }
    if !budget.spend(src.len() / 8 + 1) {
        return Node::empty();
    }
    let chars: Vec<char> = src.chars().collect();
    let mut p = Parser::new(&chars, budget, depth);
    let mut items = Vec::new();
    loop {
        let before = p.pos;
        let (node, closer) = p.list(Closer::Eof);
        push_node(&mut items, node);
        if p.pos >= p.s.len() || p.budget.exhausted() {
            break;
        }
        // A stray closer at top level (`)`, `}`, `;;`): skip it and go on.
        let _ = closer;
        if p.pos == before || matches!(p.peek(), Some(')')) {
            p.pos += 1;
        }
    }
    flatten(items)
}

fn push_node(items: &mut Vec<Node>, node: Node) {
    match node {
        Node::List(v) if v.is_empty() => {}
        n => items.push(n),
    }
}

fn flatten(mut items: Vec<Node>) -> Node {
    if items.len() == 1 {
        items.pop().unwrap_or_else(Node::empty)
    } else {
        Node::List(items)
    }
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | ';' | '&' | '|' | '<' | '>' | '(' | ')'
    )
}

fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && cs.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, off: usize) -> Option<char> {
        self.s.get(self.pos + off).copied()
    }

    fn starts_with(&self, t: &str) -> bool {
        t.chars()
            .enumerate()
            .all(|(k, c)| self.s.get(self.pos + k) == Some(&c))
    }

    fn alive(&mut self) -> bool {
        self.budget.step()
    }

    /// Skips blanks and comments, not newlines.
    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            if !self.alive() {
                return;
            }
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\\' if self.peek_at(1) == Some('\n') => self.pos += 2,
                '#' => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// Consumes a newline, jumping over heredoc bodies that follow it.
    fn newline(&mut self) {
        self.pos += 1;
        self.heredoc_next = None;
        if let Some(r) = self.heredoc_resume.take() {
            if r > self.pos {
                self.pos = r;
            }
        }
    }

    /// Parses a list of pipelines until `closer` (consumed) or end of input.
    fn list(&mut self, closer: Closer) -> (Node, Option<&'static str>) {
        let mut items = Vec::new();
        loop {
            if !self.alive() {
                return (flatten(items), None);
            }
            self.skip_blanks();
            let Some(c) = self.peek() else {
                return (flatten(items), None);
            };
            match c {
                '\n' => {
                    self.newline();
                    continue;
                }
                ';' if self.starts_with(";;") || self.starts_with(";&") => {
                    if closer == Closer::CaseItem {
                        self.pos += if self.starts_with(";;&") { 3 } else { 2 };
                        return (flatten(items), Some(";;"));
                    }
                    self.pos += 2;
                    continue;
                }
                ';' | '&' => {
                    self.pos += 1;
                    if self.peek() == Some('&') {
                        self.pos += 1;
                    }
                    continue;
                }
                '|' => {
                    // `||` or a stray pipe.
                    self.pos += 1;
                    if self.peek() == Some('|') {
                        self.pos += 1;
                    }
                    continue;
                }
                ')' => {
                    if closer == Closer::Paren {
                        self.pos += 1;
                        return (flatten(items), Some(")"));
                    }
                    if closer == Closer::CaseItem {
                        return (flatten(items), None);
                    }
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            if closer == Closer::Brace && self.word_is("}") {
                self.pos += 1;
                return (flatten(items), Some("}"));
            }
            if closer == Closer::CaseItem && self.word_is("esac") {
                return (flatten(items), None);
            }
            let before = self.pos;
            let node = self.pipeline();
            push_node(&mut items, node);
            if self.pos == before {
                // Nothing recognizable: move on rather than loop.
                self.pos += 1;
            }
            if self.budget.exhausted() {
                return (flatten(items), None);
            }
        }
    }

    /// Whether the unquoted word at the cursor is exactly `w`.
    fn word_is(&self, w: &str) -> bool {
        if !self.starts_with(w) {
            return false;
        }
        match self.s.get(self.pos + w.chars().count()) {
            None => true,
            Some(&c) => is_meta(c),
        }
    }

    fn pipeline(&mut self) -> Node {
        let mut stages = Vec::new();
        loop {
            if !self.alive() {
                break;
            }
            self.skip_blanks();
            let before = self.pos;
            let node = self.command();
            stages.push(node);
            self.skip_blanks();
            if self.peek() == Some('|') && self.peek_at(1) != Some('|') {
                self.pos += 1;
                if self.peek() == Some('&') {
                    self.pos += 1;
                }
                // A pipe may be followed by newlines.
                loop {
                    self.skip_blanks();
                    if self.peek() == Some('\n') {
                        self.newline();
                    } else {
                        break;
                    }
                }
                if self.pos == before {
                    break;
                }
                continue;
            }
            break;
        }
        if stages.len() == 1 {
            stages.pop().unwrap_or_else(Node::empty)
        } else {
            Node::Pipeline(stages)
        }
    }

    fn command(&mut self) -> Node {
        self.skip_blanks();
        if self.depth + 1 >= self.budget.max_depth {
            self.budget.limit.get_or_insert("depth");
            return Node::empty();
        }
        match self.peek() {
            Some('(') if self.peek_at(1) == Some('(') => {
                // Arithmetic command `(( ... ))`: only substitutions inside can run anything.
                self.pos += 2;
                let inner = self.balanced('(', ')', 2);
                // bash reads `((cmd) )` as nested subshells when it is not arithmetic, so the
                // text is also read as commands; arithmetic reads as harmless words.
                let body = parse(&inner, self.budget, self.depth + 1);
                let redirs = self.trailing_redirs();
                return Node::Subshell(Box::new(body), redirs);
            }
            Some('(') => {
                self.pos += 1;
                self.depth += 1;
                let (body, _) = self.list(Closer::Paren);
                self.depth -= 1;
                let redirs = self.trailing_redirs();
                return Node::Subshell(Box::new(body), redirs);
            }
            _ => {}
        }
        if self.word_is("{") {
            self.pos += 1;
            self.depth += 1;
            let (body, _) = self.list(Closer::Brace);
            self.depth -= 1;
            let redirs = self.trailing_redirs();
            return Node::Group(Box::new(body), redirs);
        }
        if self.word_is("[[") {
            return self.double_bracket();
        }
        for kw in RESERVED_TRANSPARENT {
            if self.word_is(kw) {
                self.pos += kw.len();
                return self.command();
            }
        }
        for kw in RESERVED_CLOSERS {
            if self.word_is(kw) {
                self.pos += kw.len();
                let redirs = self.trailing_redirs();
                return Node::Simple(Simple {
                    redirs,
                    ..Simple::default()
                });
            }
        }
        if self.word_is("for") || self.word_is("select") {
            return self.for_header();
        }
        if self.word_is("case") {
            return self.case();
        }
        if self.word_is("function") {
            self.pos += "function".len();
            self.skip_blanks();
            let name = self.word().map(|w| w.text).unwrap_or_default();
            self.skip_blanks();
            if self.starts_with("()") {
                self.pos += 2;
            }
            return self.function_body(name);
        }
        if self.word_is("time") || self.word_is("coproc") {
            // `time` as a reserved word times a whole pipeline; `time -p` too.
            let kw = if self.word_is("time") { 4 } else { 6 };
            self.pos += kw;
            self.skip_blanks();
            if self.starts_with("-p ") {
                self.pos += 3;
            }
            return self.command();
        }
        self.simple()
    }

    fn function_body(&mut self, name: String) -> Node {
        loop {
            self.skip_blanks();
            if self.peek() == Some('\n') {
                self.newline();
            } else {
                break;
            }
        }
        self.depth += 1;
        let body = self.command();
        self.depth -= 1;
        Node::Function(name, Box::new(body))
    }

    /// `[[ ... ]]`: its words are operands of a test, `<`/`>`/`&&` are operators, not syntax.
    fn double_bracket(&mut self) -> Node {
        let start = self.pos;
        self.pos += 2;
        let mut words = vec![Word {
            text: "[[".into(),
            ..Word::default()
        }];
        loop {
            if !self.alive() {
                break;
            }
            self.skip_blanks();
            match self.peek() {
                None => break,
                Some('\n') => {
                    self.newline();
                    continue;
                }
                _ => {}
            }
            if self.word_is("]]") {
                self.pos += 2;
                break;
            }
            if let Some(c) = self.peek() {
                if matches!(c, '<' | '>' | '&' | '|' | '(' | ')' | ';') {
                    self.pos += 1;
                    continue;
                }
            }
            let before = self.pos;
            if let Some(w) = self.word() {
                words.push(w);
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        let text = self.text(start, self.pos);
        Node::Simple(Simple {
            words,
            text,
            ..Simple::default()
        })
    }

    fn for_header(&mut self) -> Node {
        let start = self.pos;
        self.pos += if self.word_is("for") { 3 } else { 6 };
        self.skip_blanks();
        if self.starts_with("((") {
            self.pos += 2;
            let inner = self.balanced('(', ')', 2);
            return self.reparse_if_subst(&inner);
        }
        let _name = self.word();
        self.skip_blanks();
        let mut words = Vec::new();
        if self.word_is("in") {
            self.pos += 2;
            loop {
                if !self.alive() {
                    break;
                }
                self.skip_blanks();
                match self.peek() {
                    None | Some('\n') | Some(';') => break,
                    Some(c) if is_meta(c) => break,
                    _ => {}
                }
                let before = self.pos;
                if let Some(w) = self.word() {
                    words.push(w);
                }
                if self.pos == before {
                    break;
                }
            }
        }
        // The loop words are not a command; only their substitutions run.
        let text = self.text(start, self.pos);
        let mut subs = Vec::new();
        for w in words {
            subs.extend(w.subs);
        }
        if subs.is_empty() {
            Node::empty()
        } else {
            let _ = text;
            Node::List(subs)
        }
    }

    fn case(&mut self) -> Node {
        self.pos += 4;
        self.skip_blanks();
        let subject = self.word();
        let mut items: Vec<Node> = subject.map(|w| w.subs).unwrap_or_default();
        loop {
            self.skip_blanks();
            match self.peek() {
                Some('\n') => self.newline(),
                _ => break,
            }
        }
        if self.word_is("in") {
            self.pos += 2;
        }
        loop {
            if !self.alive() {
                break;
            }
            self.skip_blanks();
            match self.peek() {
                None => break,
                Some('\n') => {
                    self.newline();
                    continue;
                }
                Some(';') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            if self.word_is("esac") {
                self.pos += 4;
                break;
            }
            // Pattern list up to the unquoted `)`.
            if self.peek() == Some('(') {
                self.pos += 1;
            }
            loop {
                if !self.alive() {
                    break;
                }
                self.skip_blanks();
                match self.peek() {
                    None => break,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    Some('|') | Some('\n') => {
                        self.pos += 1;
                    }
                    _ => {
                        let before = self.pos;
                        let _ = self.word();
                        if self.pos == before {
                            self.pos += 1;
                        }
                    }
                }
            }
            self.depth += 1;
            let (body, _) = self.list(Closer::CaseItem);
            self.depth -= 1;
            push_node(&mut items, body);
            if self.budget.exhausted() {
                break;
            }
        }
        let redirs = self.trailing_redirs();
        Node::Group(Box::new(flatten(items)), redirs)
    }

    /// Redirections after a compound command.
    fn trailing_redirs(&mut self) -> Vec<Redir> {
        let mut out = Vec::new();
        loop {
            if !self.alive() {
                break;
            }
            self.skip_blanks();
            let save = self.pos;
            match self.redir() {
                Some(r) => out.push(r),
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        out
    }

    fn simple(&mut self) -> Node {
        let start = self.pos;
        let mut cmd = Simple::default();
        loop {
            if !self.alive() {
                break;
            }
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            if c == '\n' || c == ';' || c == '&' && self.peek_at(1) != Some('>') || c == '|' {
                break;
            }
            if c == ')' {
                break;
            }
            if (c == '<' || c == '>') && self.peek_at(1) == Some('(') {
                let w = self.procsub();
                cmd.words.push(w);
                continue;
            }
            let save = self.pos;
            if let Some(r) = self.redir() {
                cmd.redirs.push(r);
                continue;
            }
            self.pos = save;
            if c == '(' {
                // `name() { ... }`: a function definition.
                if cmd.words.len() == 1 && cmd.assigns.is_empty() {
                    let mut i = self.pos + 1;
                    while matches!(self.s.get(i), Some(' ') | Some('\t')) {
                        i += 1;
                    }
                    if self.s.get(i) == Some(&')') {
                        self.pos = i + 1;
                        let name = cmd.words.remove(0).text;
                        return self.function_body(name);
                    }
                }
                // Not valid here; read it as a group to stay in sync.
                self.pos += 1;
                self.depth += 1;
                let (body, _) = self.list(Closer::Paren);
                self.depth -= 1;
                cmd.words.push(Word {
                    text: "(".into(),
                    dynamic: true,
                    subs: vec![body],
                    ..Word::default()
                });
                continue;
            }
            if c == '<' || c == '>' {
                // Unparseable redirection character: skip it.
                self.pos += 1;
                continue;
            }
            if cmd.words.is_empty() && cmd.redirs.is_empty() {
                if let Some((name, value)) = self.assignment() {
                    cmd.assigns.push((name, value));
                    continue;
                }
            }
            let before = self.pos;
            match self.word() {
                Some(w) => cmd.words.push(w),
                None => {
                    if self.pos == before {
                        self.pos += 1;
                    }
                }
            }
        }
        cmd.text = self.text(start, self.pos).trim().to_string();
        Node::Simple(cmd)
    }

    fn text(&self, a: usize, b: usize) -> String {
        let b = b.min(self.s.len());
        let a = a.min(b);
        self.s[a..b].iter().collect()
    }

    /// `NAME=value` or `NAME+=value` or `NAME=( ... )` at the start of a simple command.
    fn assignment(&mut self) -> Option<(String, Word)> {
        let start = self.pos;
        let mut i = self.pos;
        while let Some(&c) = self.s.get(i) {
            if c == '_' || c.is_ascii_alphanumeric() {
                i += 1;
            } else {
                break;
            }
        }
        let name: String = self.s[start..i].iter().collect();
        if !is_name(&name) {
            return None;
        }
        if self.s.get(i) == Some(&'+') {
            i += 1;
        }
        if self.s.get(i) != Some(&'=') {
            return None;
        }
        self.pos = i + 1;
        if self.peek() == Some('(') {
            self.pos += 1;
            let inner = self.balanced('(', ')', 1);
            let mut w = Word {
                text: inner.clone(),
                dynamic: true,
                ..Word::default()
            };
            if let Node::List(v) = self.reparse_if_subst(&inner) {
                w.subs = v;
            }
            return Some((name, w));
        }
        let w = match self.peek() {
            None => Word::default(),
            Some(c) if is_meta(c) => Word::default(),
            _ => self.word().unwrap_or_default(),
        };
        Some((name, w))
    }

    /// Reads text up to the matching close (`open`/`close` nest; quotes respected), consuming
    /// `closes` close characters at the end. Returns the inner text.
    fn balanced(&mut self, open: char, close: char, closes: usize) -> String {
        let start = self.pos;
        let mut level = closes;
        let mut end = self.s.len();
        while let Some(c) = self.peek() {
            if !self.alive() {
                break;
            }
            match c {
                '\\' => self.pos += 1,
                '\'' => {
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        if c == '\'' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                c if c == open => level += 1,
                c if c == close => {
                    level -= 1;
                    if level == 0 {
                        end = self.pos + 1 - closes;
                        self.pos += 1;
                        return self.text(start, end.max(start));
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        self.text(start, end)
    }

    /// Parses text that may hold substitutions (arithmetic, array literals) for what they run.
    fn reparse_if_subst(&mut self, inner: &str) -> Node {
        if !(inner.contains("$(") || inner.contains('`')) {
            return Node::empty();
        }
        // Only the substitutions run: read the text as one word, keep its subs.
        let wrapped: String = inner
            .chars()
            .map(|c| if is_meta(c) { ' ' } else { c })
            .collect();
        parse_words_subs(&wrapped, self.budget, self.depth + 1)
    }

    fn procsub(&mut self) -> Word {
        let out = self.peek() == Some('>');
        self.pos += 2;
        self.depth += 1;
        let (body, _) = self.list(Closer::Paren);
        self.depth -= 1;
        Word {
            text: if out {
                ">(…)".into()
            } else {
                "<(…)".into()
            },
            dynamic: true,
            quoted: false,
            subs: vec![body],
            procsub: true,
        }
    }

    /// A redirection at the cursor, or None (cursor may have moved; caller restores).
    fn redir(&mut self) -> Option<Redir> {
        let mut fd = None;
        let mut i = self.pos;
        let mut digits = String::new();
        while let Some(&c) = self.s.get(i) {
            if c.is_ascii_digit() {
                digits.push(c);
                i += 1;
            } else {
                break;
            }
        }
        if !digits.is_empty() {
            if !matches!(self.s.get(i), Some('<') | Some('>')) {
                return None;
            }
            fd = digits.parse().ok();
        } else if self.s.get(i) == Some(&'{') {
            // `{fd}>file`
            let mut j = i + 1;
            while matches!(self.s.get(j), Some(c) if c.is_ascii_alphanumeric() || *c == '_') {
                j += 1;
            }
            if self.s.get(j) == Some(&'}') && matches!(self.s.get(j + 1), Some('<') | Some('>')) {
                i = j + 1;
            } else {
                return None;
            }
        }
        self.pos = i;
        let op = if self.starts_with("<<<") {
            self.pos += 3;
            RedirOp::HereString
        } else if self.starts_with("<<-") {
            self.pos += 3;
            return self.heredoc(fd, true);
        } else if self.starts_with("<<") {
            self.pos += 2;
            return self.heredoc(fd, false);
        } else if self.starts_with("<>") {
            self.pos += 2;
            RedirOp::ReadWrite
        } else if self.starts_with("<&") || self.starts_with(">&") && digits_or_dash(self, 2) {
            self.pos += 2;
            RedirOp::Dup
        } else if self.starts_with("&>>") {
            self.pos += 3;
            RedirOp::Append
        } else if self.starts_with("&>") || self.starts_with(">&") {
            self.pos += 2;
            RedirOp::Out
        } else if self.starts_with(">>") {
            self.pos += 2;
            RedirOp::Append
        } else if self.starts_with(">|") {
            self.pos += 2;
            RedirOp::Out
        } else if self.starts_with(">") {
            self.pos += 1;
            RedirOp::Out
        } else if self.starts_with("<") {
            self.pos += 1;
            RedirOp::In
        } else {
            return None;
        };
        self.skip_blanks();
        if matches!(self.peek(), Some('<') | Some('>')) && self.peek_at(1) == Some('(') {
            let w = self.procsub();
            return Some(Redir {
                fd,
                op,
                target: w,
                body: None,
            });
        }
        let target = self.word().unwrap_or_default();
        let body = if op == RedirOp::HereString {
            Some(target.text.clone())
        } else {
            None
        };
        Some(Redir {
            fd,
            op,
            target,
            body,
        })
    }

    fn heredoc(&mut self, fd: Option<u32>, strip_tabs: bool) -> Option<Redir> {
        self.skip_blanks();
        let delim_word = self.word().unwrap_or_default();
        let delim = delim_word.text.clone();
        // Body starts after the end of the current line, or after the previous heredoc's body.
        let body_start = match self.heredoc_next {
            Some(p) => p,
            None => {
                let mut i = self.pos;
                while i < self.s.len() && self.s[i] != '\n' {
                    i += 1;
                }
                (i + 1).min(self.s.len())
            }
        };
        let mut lines = Vec::new();
        let mut i = body_start;
        let mut end = self.s.len();
        while i < self.s.len() {
            if !self.alive() {
                break;
            }
            let mut j = i;
            while j < self.s.len() && self.s[j] != '\n' {
                j += 1;
            }
            let line: String = self.s[i..j].iter().collect();
            let cmp = if strip_tabs {
                line.trim_start_matches('\t').to_string()
            } else {
                line.clone()
            };
            if cmp == delim || cmp.trim_end() == delim {
                end = (j + 1).min(self.s.len());
                break;
            }
            lines.push(cmp);
            i = j + 1;
        }
        self.heredoc_next = Some(end);
        self.heredoc_resume = Some(end);
        let mut body = lines.join("\n");
        if !delim_word.quoted && body.contains('\\') {
            body = body.replace("\\\n", "");
        }
        Some(Redir {
            fd,
            op: RedirOp::HereDoc,
            target: Word {
                // Quoted delimiter: the body is literal; otherwise it expands.
                dynamic: !delim_word.quoted,
                ..delim_word
            },
            body: Some(body),
        })
    }

    /// Reads one word with quote removal. None at a metacharacter or end.
    fn word(&mut self) -> Option<Word> {
        let mut w = Word::default();
        let mut any = false;
        while let Some(c) = self.peek() {
            if !self.alive() {
                break;
            }
            match c {
                c if is_meta(c) => {
                    // Extended globs `@(a|b)`, `!(x)` stay inside the word.
                    if c == '('
                        && any
                        && matches!(w.text.chars().last(), Some('@' | '!' | '+' | '*' | '?'))
                    {
                        self.pos += 1;
                        let inner = self.balanced('(', ')', 1);
                        w.text.push('(');
                        w.text.push_str(&inner);
                        w.text.push(')');
                        continue;
                    }
                    break;
                }
                '\\' => {
                    any = true;
                    w.quoted = true;
                    self.pos += 1;
                    match self.peek() {
                        Some('\n') => self.pos += 1,
                        Some(n) => {
                            w.text.push(n);
                            self.pos += 1;
                        }
                        None => {}
                    }
                }
                '\'' => {
                    any = true;
                    w.quoted = true;
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == '\'' {
                            break;
                        }
                        w.text.push(c);
                    }
                }
                '"' => {
                    any = true;
                    w.quoted = true;
                    self.pos += 1;
                    self.double_quoted(&mut w);
                }
                '`' => {
                    any = true;
                    self.pos += 1;
                    self.backtick(&mut w, false);
                }
                '$' => {
                    any = true;
                    self.dollar(&mut w);
                }
                _ => {
                    any = true;
                    w.text.push(c);
                    self.pos += 1;
                }
            }
        }
        if any {
            Some(w)
        } else {
            None
        }
    }

    fn double_quoted(&mut self, w: &mut Word) {
        while let Some(c) = self.peek() {
            if !self.alive() {
                return;
            }
            match c {
                '"' => {
                    self.pos += 1;
                    return;
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some(n @ ('$' | '`' | '"' | '\\')) => {
                            w.text.push(n);
                            self.pos += 1;
                        }
                        Some('\n') => self.pos += 1,
                        _ => w.text.push('\\'),
                    }
                }
                '`' => {
                    self.pos += 1;
                    self.backtick(w, true);
                }
                '$' => self.dollar(w),
                _ => {
                    w.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn backtick(&mut self, w: &mut Word, in_dquote: bool) {
        let mut inner = String::new();
        while let Some(c) = self.peek() {
            if !self.alive() {
                break;
            }
            self.pos += 1;
            match c {
                '`' => break,
                '\\' => match self.peek() {
                    Some(n @ ('`' | '\\' | '$')) => {
                        inner.push(n);
                        self.pos += 1;
                    }
                    Some('"') if in_dquote => {
                        inner.push('"');
                        self.pos += 1;
                    }
                    _ => inner.push('\\'),
                },
                _ => inner.push(c),
            }
        }
        w.dynamic = true;
        w.text.push_str(SUBST);
        let node = parse(&inner, self.budget, self.depth + 1);
        w.subs.push(node);
    }

    fn dollar(&mut self, w: &mut Word) {
        match self.peek_at(1) {
            Some('\'') => {
                self.pos += 2;
                w.quoted = true;
                self.ansi_c(w);
            }
            Some('"') => {
                self.pos += 2;
                w.quoted = true;
                self.double_quoted(w);
            }
            Some('(') if self.peek_at(2) == Some('(') => {
                self.pos += 3;
                let inner = self.balanced('(', ')', 2);
                w.dynamic = true;
                w.text.push_str("${__arith}");
                // As with `((`, bash falls back to a command substitution of a subshell.
                if inner.chars().any(|c| c.is_ascii_alphabetic()) {
                    w.subs.push(parse(&inner, self.budget, self.depth + 1));
                }
            }
            Some('(') => {
                self.pos += 2;
                if self.depth + 1 >= self.budget.max_depth {
                    self.budget.limit.get_or_insert("depth");
                    self.pos = self.s.len();
                    return;
                }
                self.depth += 1;
                let (body, _) = self.list(Closer::Paren);
                self.depth -= 1;
                w.dynamic = true;
                w.text.push_str(SUBST);
                w.subs.push(body);
            }
            Some('{') => {
                self.pos += 2;
                let inner = self.balanced('{', '}', 1);
                w.dynamic = true;
                w.text.push_str("${");
                w.text.push_str(&inner);
                w.text.push('}');
                if inner.contains("$(") || inner.contains('`') {
                    let node = parse_words_subs(&inner, self.budget, self.depth + 1);
                    w.subs.push(node);
                }
            }
            Some(c) if c == '_' || c.is_ascii_alphanumeric() => {
                self.pos += 1;
                w.dynamic = true;
                w.text.push('$');
                if c.is_ascii_digit() {
                    w.text.push(c);
                    self.pos += 1;
                    return;
                }
                while let Some(c) = self.peek() {
                    if c == '_' || c.is_ascii_alphanumeric() {
                        w.text.push(c);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
            }
            Some(c @ ('@' | '*' | '#' | '?' | '-' | '$' | '!')) => {
                self.pos += 2;
                w.dynamic = true;
                w.text.push('$');
                w.text.push(c);
            }
            _ => {
                w.text.push('$');
                self.pos += 1;
            }
        }
    }

    fn ansi_c(&mut self, w: &mut Word) {
        while let Some(c) = self.peek() {
            if !self.alive() {
                return;
            }
            self.pos += 1;
            match c {
                '\'' => return,
                '\\' => {
                    let Some(n) = self.peek() else { return };
                    self.pos += 1;
                    match n {
                        'n' => w.text.push('\n'),
                        't' => w.text.push('\t'),
                        'r' => w.text.push('\r'),
                        'a' => w.text.push('\x07'),
                        'b' => w.text.push('\x08'),
                        'e' | 'E' => w.text.push('\x1b'),
                        'f' => w.text.push('\x0c'),
                        'v' => w.text.push('\x0b'),
                        'x' => {
                            let v = self.hex_digits(2);
                            push_code(w, v);
                        }
                        'u' => {
                            let v = self.hex_digits(4);
                            push_code(w, v);
                        }
                        'U' => {
                            let v = self.hex_digits(8);
                            push_code(w, v);
                        }
                        'c' => {
                            if let Some(k) = self.peek() {
                                self.pos += 1;
                                push_code(w, Some((k as u32) & 0x1f));
                            }
                        }
                        '0'..='7' => {
                            let mut v = n.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.peek().and_then(|c| c.to_digit(8)) {
                                    Some(d) => {
                                        v = v * 8 + d;
                                        self.pos += 1;
                                    }
                                    None => break,
                                }
                            }
                            push_code(w, Some(v));
                        }
                        other => w.text.push(other),
                    }
                }
                _ => w.text.push(c),
            }
        }
    }

    fn hex_digits(&mut self, max: usize) -> Option<u32> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match self.peek().and_then(|c| c.to_digit(16)) {
                Some(d) => {
                    v = v.wrapping_mul(16).wrapping_add(d);
                    self.pos += 1;
                    n += 1;
                }
                None => break,
            }
        }
        if n == 0 {
            None
        } else {
            Some(v)
        }
    }
}

fn digits_or_dash(p: &Parser<'_, '_>, off: usize) -> bool {
    match p.peek_at(off) {
        Some(c) => c.is_ascii_digit() || c == '-',
        None => false,
    }
}

fn push_code(w: &mut Word, v: Option<u32>) {
    if let Some(c) = v.and_then(char::from_u32) {
        w.text.push(c);
    }
}

/// Reads `text` as words only (no command structure) and returns the substitutions found.
pub(super) fn parse_words_subs(text: &str, budget: &mut Budget, depth: usize) -> Node {
    if depth >= budget.max_depth {
        budget.limit.get_or_insert("depth");
        return Node::empty();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser::new(&chars, budget, depth);
    let mut subs = Vec::new();
    while p.pos < p.s.len() {
        if !p.alive() {
            break;
        }
        let before = p.pos;
        if let Some(w) = p.word() {
            subs.extend(w.subs);
        }
        if p.pos == before {
            p.pos += 1;
        }
    }
    Node::List(subs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn simples(n: &Node, out: &mut Vec<Vec<String>>) {
        match n {
            Node::Simple(s) => {
                for w in s.words.iter().chain(s.assigns.iter().map(|a| &a.1)) {
                    for sub in &w.subs {
                        simples(sub, out);
                    }
                }
                if !s.words.is_empty() {
                    out.push(s.words.iter().map(|w| w.text.clone()).collect());
                }
            }
            Node::Pipeline(v) | Node::List(v) => v.iter().for_each(|n| simples(n, out)),
            Node::Group(b, _) | Node::Subshell(b, _) | Node::Function(_, b) => simples(b, out),
        }
    }

    fn cmds(src: &str) -> Vec<Vec<String>> {
        let mut b = Budget::default();
        let n = parse(src, &mut b, 0);
        let mut out = Vec::new();
        simples(&n, &mut out);
        out
    }

    #[test]
    fn quotes_and_escapes_are_removed() {
        assert_eq!(cmds("\\rm -rf /")[0][0], "rm");
        assert_eq!(cmds("'rm' -rf /")[0][0], "rm");
        assert_eq!(cmds("r''m -rf /")[0][0], "rm");
        assert_eq!(cmds("$'\\x72m' -rf /")[0][0], "rm");
        assert_eq!(cmds("$'\\162m' x")[0][0], "rm");
        assert_eq!(cmds("\"r\"m x")[0][0], "rm");
    }

    #[test]
    fn structure_is_seen_through() {
        let c = cmds("if true; then rm -rf a; fi && (cd x; rm b) | { tee c; }");
        let progs: Vec<&str> = c.iter().map(|v| v[0].as_str()).collect();
        assert_eq!(progs, ["true", "rm", "cd", "rm", "tee"]);
        let c = cmds("echo $(rm -rf x `id`) && for f in $(ls); do rm $f; done");
        let progs: Vec<&str> = c.iter().map(|v| v[0].as_str()).collect();
        assert!(progs.contains(&"id") && progs.contains(&"ls") && progs.contains(&"rm"));
        let c = cmds("case $x in a) rm -rf a;; b|c) ls;; esac");
        assert!(c.iter().any(|v| v[0] == "rm"));
        let c = cmds("f() { rm -rf /; }; f");
        assert!(c.iter().any(|v| v[0] == "rm"));
    }

    #[test]
    fn heredoc_bodies_are_kept_not_run() {
        let mut b = Budget::default();
        let n = parse("cat > x <<'EOF'\nrm -rf /\nEOF\nls", &mut b, 0);
        let mut out = Vec::new();
        simples(&n, &mut out);
        let progs: Vec<&str> = out.iter().map(|v| v[0].as_str()).collect();
        assert_eq!(progs, ["cat", "ls"]);
    }

    #[test]
    fn unclosed_and_deep_input_is_bounded() {
        let deep = "$(".repeat(10_000);
        let mut b = Budget::default();
        let _ = parse(&deep, &mut b, 0);
        assert_eq!(b.limit, Some("depth"));
        let mut b = Budget::default();
        let _ = parse("echo $(rm -rf /", &mut b, 0);
        assert!(b.limit.is_none());
    }
}
