//! How results look: aligned tables and colour for people (colour only on a terminal, never with
//! `NO_COLOR`), one JSON object per line for scripts, and a spinner on stderr while waiting.

use std::io::{IsTerminal, Write};
use std::time::{Duration, SystemTime};

use orb_cloud::datasets::Record;
use serde::Serialize;

/// How results are written: `--format`, or `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people (colour on a terminal).
    Table,
    /// One JSON object per line; each kind of object has one shape.
    Json,
    /// Comma-separated values with a header row (listings only).
    Csv,
}

/// Output settings for one run.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Whether output is for programs (JSON lines or CSV): nothing for people on stdout then.
    pub json: bool,
    pub format: Format,
    pub colour: bool,
    pub interactive: bool,
    /// No progress lines (`--quiet`).
    pub quiet: bool,
}

impl Output {
    pub fn new(format: Format) -> Self {
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let json = format != Format::Table;
        Self {
            json,
            format,
            colour: !json && !no_colour && std::io::stdout().is_terminal(),
            interactive: !json && std::io::stderr().is_terminal(),
            quiet: false,
        }
    }

    /// The same, without progress lines.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// One JSON value on one line.
    pub fn json_line<T: Serialize + Sync>(&self, value: &T) {
        self.json_lines(std::iter::once(value));
    }

    /// JSON texts, each on one line already (Orb's objects passed through: `WithJson::json`),
    /// one per line. Written with
    /// vectored writes straight from the texts: a 10,000-device listing is 43 MB, and copying
    /// it into a buffer first cost 5% of `orb devices --json`.
    pub fn json_texts<'a>(&self, texts: impl IntoIterator<Item = &'a str>) {
        let mut slices: Vec<std::io::IoSlice<'a>> = Vec::new();
        for text in texts {
            slices.push(std::io::IoSlice::new(text.as_bytes()));
            slices.push(std::io::IoSlice::new(b"\n"));
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = write_all_vectored(&mut out, &mut slices).and_then(|()| out.flush()) {
            exit_on_write_error(&e);
        }
    }

    /// JSON values, one per line, written in one go.
    pub fn json_lines<'a, T: Serialize + Sync + 'a>(
        &self,
        values: impl IntoIterator<Item = &'a T>,
    ) {
        let values: Vec<&T> = values.into_iter().collect();
        for part in json_lines_parts(&values) {
            write_stdout(&part);
        }
    }

    pub fn paint(&self, text: &str, style: Style) -> String {
        if !self.colour {
            return text.to_owned();
        }
        let code = match style {
            Style::Bold => BOLD,
            Style::Dim => DIM,
            Style::Good => GREEN,
            Style::Warn => YELLOW,
            Style::Bad => RED,
        };
        format!("{code}{text}{RESET}")
    }

    /// A score from 0 to 100 in its colour.
    pub fn score(&self, display: Option<i64>) -> String {
        match display {
            None => self.paint("-", Style::Dim),
            Some(d) => {
                let style = if d >= 80 {
                    Style::Good
                } else if d >= 50 {
                    Style::Warn
                } else {
                    Style::Bad
                };
                self.paint(&d.to_string(), style)
            }
        }
    }

    /// A heading line (people only).
    pub fn heading(&self, text: &str) {
        if !self.json {
            println_human(&self.paint(text, Style::Bold));
        }
    }

    /// A line for people (nothing with `--json`).
    pub fn say(&self, text: &str) {
        if !self.json {
            println_human(text);
        }
    }

    /// A spinner on stderr while `label` is in progress on a terminal; elsewhere (a log, a CI
    /// job), a plain line when it has lasted 2 s and every 10 s after, so that a slow server is
    /// not mistaken for a hung command. Nothing with `--quiet`.
    pub fn spinner(&self, label: &str) -> Spinner {
        match (self.quiet, self.interactive) {
            (true, _) => Spinner {
                task: None,
                clear: false,
            },
            (false, true) => Spinner::start(label),
            (false, false) => Spinner::lines(label),
        }
    }
}

/// JSON lines of `values`, in parts to write in order. A large listing (10,000 devices are some
/// 40 MB of JSON) is serialized on every core, a part each, without copying the parts into one
/// buffer: serializing and writing are most of what `orb devices --json` does after the listing
/// arrives (orb-bench section 6).
/// `Write::write_all_vectored` (not stable yet): every slice written, at most 1,024 a call (the
/// usual IOV_MAX), partial writes resumed.
fn write_all_vectored(
    out: &mut impl Write,
    mut slices: &mut [std::io::IoSlice<'_>],
) -> std::io::Result<()> {
    while !slices.is_empty() {
        let take = slices.len().min(1024);
        match out.write_vectored(&slices[..take]) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn json_lines_parts<T: Serialize + Sync>(values: &[&T]) -> Vec<Vec<u8>> {
    fn serialize<T: Serialize>(values: &[&T]) -> Vec<u8> {
        let mut buffer = Vec::with_capacity(values.len() * 512);
        for value in values {
            if let Err(e) = serde_json::to_writer(&mut buffer, value) {
                eprintln!("error: could not write JSON: {e}");
                std::process::exit(1);
            }
            buffer.push(b'\n');
        }
        buffer
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if values.len() < 1_000 || cores < 2 {
        return vec![serialize(values)];
    }
    let part = values.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let handles: Vec<_> = values
            .chunks(part)
            .map(|chunk| scope.spawn(move || serialize(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| std::process::exit(1)))
            .collect()
    })
}

/// Print a line. A closed pipe (`orb devices | head`) ends the program quietly; any other
/// write error (a full disk, `/dev/full`) ends it with a message and exit code 1, so that a
/// script never takes a lost output for success.
pub fn println_safe(line: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}") {
        exit_on_write_error(&e);
    }
}

/// Write `bytes` to stdout in one go and flush (large outputs: one write instead of one per
/// line through the line-buffered stdout), with [`println_safe`]'s error handling.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        exit_on_write_error(&e);
    }
}

fn exit_on_write_error(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: could not write the output: {e}");
    std::process::exit(1);
}

/// The only escape sequences this program writes: the colours of [`Output::paint`].
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";
const OWN_SEQUENCES: [&str; 6] = [BOLD, DIM, GREEN, YELLOW, RED, RESET];

/// A line for people with every control character escaped but this program's own colours, so
/// that names, error bodies and pushed strings (whoever wrote them) cannot clear the screen,
/// retitle the window or forge a link. JSON output does not pass here: JSON escapes controls.
pub fn human(line: &str) -> std::borrow::Cow<'_, str> {
    let escaped =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !line.chars().any(escaped) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(own) = OWN_SEQUENCES.iter().find(|s| rest.starts_with(**s)) {
            out.push_str(own);
            rest = &rest[own.len()..];
            continue;
        }
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..].find('\x1b').map_or(rest.len(), |i| i + first);
        out.push_str(&orb_cloud::printable::printable(&rest[..next]));
        rest = &rest[next..];
    }
    std::borrow::Cow::Owned(out)
}

/// Remote text (a name, an id, a value from a device) for a table or a line: every control
/// character escaped, this program's colours included, so that only [`Output::paint`] colours.
pub fn shown(text: &str) -> String {
    orb_cloud::printable::printable(text).into_owned()
}

/// [`println_safe`] of [`human`]`(line)`.
pub fn println_human(line: &str) {
    println_safe(&human(line));
}

/// A warning or error line on stderr, escaped as [`human`] does.
pub fn eprintln_human(line: &str) {
    eprintln!("{}", human(line));
}

#[derive(Debug, Clone, Copy)]
pub enum Style {
    Bold,
    Dim,
    Good,
    Warn,
    Bad,
}

/// Columns aligned to their widest cell; colour codes are not counted as width.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            right: vec![false; header.len()],
        }
    }

    /// Right-align a column (numbers).
    pub fn right(mut self, column: usize) -> Self {
        if let Some(r) = self.right.get_mut(column) {
            *r = true;
        }
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self, out: &Output) {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| visible_width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(visible_width(cell));
            }
        }
        let render = |cells: &[String]| {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = width.saturating_sub(visible_width(cell));
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right[i] {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i + 1 < columns {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            line.trim_end().to_owned()
        };
        let headless = self.header.iter().all(String::is_empty);
        let header: Vec<String> = self
            .header
            .iter()
            .map(|h| out.paint(h, Style::Bold))
            .collect();
        let mut text = String::new();
        if !headless {
            text.push_str(&human(&render(&header)));
            text.push('\n');
        }
        for row in &self.rows {
            text.push_str(&human(&render(row)));
            text.push('\n');
        }
        write_stdout(text.as_bytes());
    }
}

/// Display width, skipping ANSI escape sequences.
fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        if in_escape {
            if c == 'm' {
                in_escape = false;
            }
        } else if c == '\x1b' {
            in_escape = true;
        } else {
            width += 1;
        }
    }
    width
}

/// A spinner on stderr, cleared when dropped.
pub struct Spinner {
    task: Option<tokio::task::JoinHandle<()>>,
    /// Whether the line must be cleared at the end (the terminal spinner).
    clear: bool,
}

impl Spinner {
    fn lines(label: &str) -> Self {
        let label = label.to_owned();
        let task = tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let mut next = started + Duration::from_secs(2);
            loop {
                tokio::time::sleep_until(next).await;
                eprintln!("orb: still {label} ({}s)", started.elapsed().as_secs());
                next += Duration::from_secs(10);
            }
        });
        Self {
            task: Some(task),
            clear: false,
        }
    }

    fn start(label: &str) -> Self {
        let label = label.to_owned();
        let task = tokio::spawn(async move {
            const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
            let mut interval = tokio::time::interval(Duration::from_millis(100));
            for frame in FRAMES.iter().cycle() {
                interval.tick().await;
                eprint!("\r{frame} {label}…\x1b[K");
            }
        });
        Self {
            task: Some(task),
            clear: true,
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            if self.clear {
                eprint!("\r\x1b[K");
            }
        }
    }
}

/// `HH:MM:SS` (UTC) of an epoch-milliseconds timestamp.
pub fn clock(ms: Option<i64>) -> String {
    let Some(ms) = ms else {
        return "--:--:--".into();
    };
    let secs = ms.div_euclid(1000);
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, (day / 60) % 60, day % 60)
}

/// Now, as epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn ms_from_us(us: Option<f64>) -> String {
    us.map(|v| format!("{:.1} ms", v / 1000.0))
        .unwrap_or_else(|| "-".into())
}

fn mbps(kbps: Option<f64>) -> String {
    kbps.map(|v| format!("{:.1} Mbps", v / 1000.0))
        .unwrap_or_else(|| "-".into())
}

fn num(v: Option<f64>, unit: &str) -> String {
    v.map(|v| format!("{v:.1}{unit}"))
        .unwrap_or_else(|| "-".into())
}

/// One record as one line for people: time, dataset, device, the measures that matter.
pub fn record_line(out: &Output, record: &Record) -> String {
    let dataset = record
        .dataset()
        .map(|d| d.to_string())
        .unwrap_or_else(|| "unknown".into());
    let device = record.orb_id().unwrap_or("-");
    let detail = match record {
        Record::Scores(s) => format!(
            "orb score {}  responsiveness {}  reliability {}  speed {}",
            out.score(s.orb_score.map(|v| v.round() as i64)),
            num(s.responsiveness_score, ""),
            num(s.reliability_score, ""),
            num(s.speed_score, ""),
        ),
        Record::Responsiveness(r) => format!(
            "lag {}  latency {}  jitter {}  loss {}",
            ms_from_us(r.lag_avg_us),
            ms_from_us(r.latency_avg_us),
            ms_from_us(r.jitter_avg_us),
            num(r.packet_loss_pct, "%"),
        ),
        Record::WebResponsiveness(w) => format!(
            "ttfb {}  dns {}  {}",
            ms_from_us(w.ttfb_us.map(|v| v as f64)),
            ms_from_us(w.dns_us.map(|v| v as f64)),
            shown(w.web_url.as_deref().unwrap_or("")),
        ),
        Record::Speed(s) => format!(
            "download {}  upload {}",
            mbps(s.download_kbps.map(|v| v as f64)),
            mbps(s.upload_kbps.map(|v| v as f64)),
        ),
        Record::WifiLink(w) => format!(
            "rssi {}  snr {}  tx {}",
            num(w.rssi_avg, " dBm"),
            num(w.snr_avg, " dB"),
            num(w.tx_rate_mbps, " Mbps"),
        ),
        _ => "(fields this version does not know; see --json)".into(),
    };
    format!(
        "{}  {:<26}  {:<28}  {detail}",
        out.paint(&clock(record.timestamp_ms()), Style::Dim),
        shown(&dataset),
        shown(device),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_escapes_are_shown_and_own_colours_kept() {
        let out = Output {
            json: false,
            format: Format::Table,
            colour: true,
            interactive: false,
            quiet: false,
        };
        let name = "caf\u{e9}\u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e}x";
        let line = format!("{} {}", out.paint("ok", Style::Good), name);
        let shown = human(&line);
        assert_eq!(
            shown,
            "\x1b[32mok\x1b[0m caf\u{e9}\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{202e}x"
        );
        assert!(matches!(
            human("plain \u{e9}"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(human("\u{e9}\u{1b}"), "\u{e9}\\u{1b}");
    }

    #[test]
    fn vectored_writes_resume_after_partial_writes() {
        /// Takes at most 7 bytes a call.
        struct Trickle(Vec<u8>);
        impl Write for Trickle {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = buf.len().min(7);
                self.0.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                let first = bufs
                    .iter()
                    .find(|b| !b.is_empty())
                    .map_or(&[][..], |b| &b[..]);
                self.write(first)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let texts: Vec<String> = (0..3000).map(|i| format!("{{\"i\":{i}}}")).collect();
        let mut slices: Vec<std::io::IoSlice<'_>> = texts
            .iter()
            .flat_map(|t| {
                [
                    std::io::IoSlice::new(t.as_bytes()),
                    std::io::IoSlice::new(b"\n"),
                ]
            })
            .collect();
        let mut sink = Trickle(Vec::new());
        write_all_vectored(&mut sink, &mut slices).unwrap();
        let expected: String = texts.iter().map(|t| format!("{t}\n")).collect();
        assert_eq!(String::from_utf8(sink.0).unwrap(), expected);
    }

    #[test]
    fn widths_ignore_colour() {
        assert_eq!(visible_width("\x1b[32m93\x1b[0m"), 2);
        assert_eq!(visible_width("abc"), 3);
    }

    #[test]
    fn clock_is_utc() {
        assert_eq!(clock(Some(1_756_935_043_000)), "21:30:43");
        assert_eq!(clock(None), "--:--:--");
    }
}
