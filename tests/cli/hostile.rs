//! Text a test controls (its name, its failure message, its output) reaches no terminal raw,
//! reorders nothing in any format, and notifies nobody in a pull-request comment.

use crate::Sandbox;

/// A `go test -json` stream whose failing test is named and fails like an attacker would
/// write it: OSC 52 (write the clipboard), a screen clear, a window title, a right-to-left
/// override and a GitHub mention.
fn hostile_events() -> String {
    let name = r"TestEvil\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u202e@octocat";
    let output = r"boom \u001b]0;pwned\u0007 \u001b[31mred\u001b[0m\n";
    [
        format!(r#"{{"Action":"run","Package":"example.com/p","Test":"{name}"}}"#),
        format!(
            r#"{{"Action":"output","Package":"example.com/p","Test":"{name}","Output":"{output}"}}"#
        ),
        format!(r#"{{"Action":"fail","Package":"example.com/p","Test":"{name}","Elapsed":0}}"#),
        r#"{"Action":"run","Package":"example.com/p","Test":"TestFine"}"#.to_owned(),
        r#"{"Action":"pass","Package":"example.com/p","Test":"TestFine","Elapsed":0}"#.to_owned(),
        r#"{"Action":"fail","Package":"example.com/p","Elapsed":0}"#.to_owned(),
    ]
    .join("\n")
        + "\n"
}

/// Control characters other than newline, and the bidirectional overrides, in `text`.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// Markdown text outside code spans and fenced blocks: where GitHub turns `@name` into a mention.
fn outside_code(markdown: &str) -> String {
    let mut fenced = false;
    let mut out = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.extend(line.split('`').step_by(2));
            out.push('\n');
        }
    }
    out
}

fn output_of(s: &Sandbox, args: &[&str]) -> (String, String) {
    let out = s.flaky().args(args).output().expect("flaky");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn escape_sequences_and_bidi_overrides_from_tests_reach_no_terminal_and_no_report_raw() {
    let s = Sandbox::new();
    s.write("events.json", &hostile_events());
    let (table, stderr) = output_of(
        &s,
        &[
            "run",
            "-n",
            "3",
            "--framework",
            "go",
            "--",
            "sh",
            "-c",
            "cat events.json; exit 1",
        ],
    );
    assert!(table.contains("TestEvil"), "{table}\n{stderr}");
    assert_eq!(raw_controls(&table), Vec::<char>::new(), "{table}");
    assert_eq!(raw_controls(&stderr), Vec::<char>::new(), "{stderr}");
    // Shown, not obeyed: the reader sees what the test tried.
    assert!(table.contains(r"\x1b]52;c;"), "{table}");
    assert!(table.contains(r"\u{202e}"), "{table}");

    for format in [
        "table", "markdown", "github", "html", "slack", "junit", "json",
    ] {
        let (text, err) = output_of(&s, &["report", "--format", format]);
        assert!(text.contains("TestEvil"), "{format}: {text}\n{err}");
        let allowed: Vec<char> = raw_controls(&text)
            .into_iter()
            // JSON and JUnit carry the test's own name exactly, escaped for their syntax.
            .filter(|_| !matches!(format, "json"))
            .collect();
        assert_eq!(allowed, Vec::<char>::new(), "{format}: {text}");
        if matches!(format, "markdown" | "github") {
            let prose = outside_code(&text);
            assert!(!prose.contains("@octocat"), "{format} mentions: {prose}");
        }
    }

    let (tests, err) = output_of(&s, &["history", "--tests"]);
    assert!(tests.contains("TestEvil"), "{tests}\n{err}");
    assert_eq!(raw_controls(&tests), Vec::<char>::new(), "{tests}");
}

#[test]
fn secret_values_reach_neither_the_history_nor_any_report() {
    const TOKEN: &str = "ghp_s3cr3t-token-value";
    const URL_PASSWORD: &str = "pw-in-the-url-42";
    const OPTION: &str = "option-secret-77";
    let s = Sandbox::new();
    // A failing test that dumps its environment and logs a connection URL, run with a
    // secret option on its command line.
    let out = s
        .flaky()
        .env("SERVICE_TOKEN", TOKEN)
        .args([
            "run",
            "-n",
            "2",
            "--env",
            &format!("DATABASE_URL=postgres://app:{URL_PASSWORD}@db/app"),
            "--",
            "sh",
            "-c",
            "echo \"SERVICE_TOKEN=$SERVICE_TOKEN\" >&2; echo \"connecting to $DATABASE_URL\" >&2; env; exit 1",
            "--api-token",
            OPTION,
        ])
        .output()
        .expect("flaky");
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(table.contains("SERVICE_TOKEN=***"), "{table}");
    assert!(table.contains("postgres://***@db/app"), "{table}");

    let mut seen = vec![("table".to_owned(), table)];
    for format in ["markdown", "github", "html", "slack", "junit", "json"] {
        let out = s
            .flaky()
            .args(["report", "--format", format])
            .output()
            .expect("report");
        seen.push((
            format.to_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
    }
    let out = s
        .flaky()
        .args(["history", "--tests"])
        .output()
        .expect("history");
    seen.push((
        "history".to_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ));
    // Every byte of the database and its journal.
    for entry in std::fs::read_dir(s.path()).expect("ls") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("history.db")
        {
            let bytes = std::fs::read(&path).expect("read db");
            seen.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    for (what, text) in &seen {
        for secret in [TOKEN, URL_PASSWORD, OPTION] {
            assert!(!text.contains(secret), "{secret} in {what}:\n{text}");
        }
    }
}
