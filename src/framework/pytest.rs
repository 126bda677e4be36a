//! pytest: JUnit XML reports, a bundled plugin that shuffles by seed, node ids to select tests.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, Repeat, ReportSource, path_arg,
    program_name, strip_flags, tool_args_start, without_positionals, words,
};
use crate::exec::seed::{ATTEMPT_VARIABLES, SEED_VARIABLES};
use crate::parse::{Parsed, junit};

/// The plugin every pytest attempt loads (as module `flaky_pytest`, from the run's support dir).
const PLUGIN: &str = include_str!("pytest_plugin.py");
const PLUGIN_MODULE: &str = "flaky_pytest";

pub struct Pytest;

impl Driver for Pytest {
    fn framework(&self) -> Framework {
        Framework::Pytest
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        let mut ev = Vec::new();
        if dir.has("pytest.ini") {
            ev.push("pytest.ini".to_owned());
        }
        if let Some(t) = dir.read_text("pyproject.toml") {
            if t.contains("[tool.pytest") {
                ev.push("pyproject.toml [tool.pytest.ini_options]".to_owned());
            } else if t.contains("pytest") {
                ev.push("pyproject.toml names pytest".to_owned());
            }
        }
        if dir
            .read_text("setup.cfg")
            .is_some_and(|t| t.contains("[tool:pytest]"))
        {
            ev.push("setup.cfg [tool:pytest]".to_owned());
        }
        if dir
            .read_text("tox.ini")
            .is_some_and(|t| t.contains("[pytest]"))
        {
            ev.push("tox.ini [pytest]".to_owned());
        }
        if dir.has("conftest.py") {
            ev.push("conftest.py".to_owned());
        }
        for req in dir.with_prefix("requirements") {
            if req.ends_with(".txt") && dir.read_text(req).is_some_and(|t| t.contains("pytest")) {
                ev.push(format!("{req} names pytest"));
            }
        }
        let venv = venv_pytest(dir).map(|v| format!("{v} (the project's virtualenv has pytest)"));
        if ev.is_empty() {
            // A Python project (or a virtualenv with pytest) that never names pytest is pytest's
            // only when it has test files pytest would collect; say so, since nothing declares it.
            let has_python_project = ["pyproject.toml", "setup.py", "setup.cfg"]
                .iter()
                .any(|f| dir.has(f));
            if let Some(t) = python_test_files(dir)
                && (has_python_project || venv.is_some())
            {
                ev.extend(venv);
                ev.push(format!(
                    "{t} (pytest collects them, though nothing declares pytest)"
                ));
            }
        } else {
            ev.extend(venv);
            ev.extend(randomly_evidence(dir));
        }
        ev
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        if venv_pytest(dir).is_some() && dir.path.join(".venv/bin/python").exists() {
            words(".venv/bin/python -m pytest")
        } else {
            words("python3 -m pytest")
        }
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        Some(if dir.has("uv.lock") {
            words("uv sync")
        } else if dir.has("poetry.lock") {
            words("poetry install")
        } else if let Some(req) = [
            "requirements-dev.txt",
            "requirements-test.txt",
            "requirements.txt",
        ]
        .iter()
        .find(|r| dir.has(r))
        {
            vec!["pip".into(), "install".into(), "-r".into(), (*req).into()]
        } else if dir.has("pyproject.toml") || dir.has("setup.py") {
            words("pip install -e .")
        } else {
            words("pip install pytest")
        })
    }

    fn recognise(&self, argv: &[String]) -> bool {
        match argv.first().map(|p| program_name(p)) {
            Some("pytest" | "py.test") => true,
            Some(p) if p.starts_with("python") => {
                argv.get(1).map(String::as_str) == Some("-m")
                    && argv.get(2).map(String::as_str) == Some("pytest")
            }
            _ => false,
        }
    }

    fn can_shuffle(&self) -> bool {
        true
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let report = ctx.dir.join(if ctx.batch.is_some() {
            "batch.jsonl"
        } else {
            "report.xml"
        });
        let mut a = strip_flags(argv, &[], &["--junitxml", "--junit-xml"]);
        if ctx.select.is_some() {
            // The node ids replace the command's test paths: beside them, pytest would run the
            // paths whole.
            a = without_positionals(
                &a,
                tool_args_start(&a, &["pytest", "py.test"]),
                VALUE_FLAGS,
                |w| is_test_path(w, ctx.project),
            );
        }
        if ctx.with_report && ctx.batch.is_none() {
            a.push(format!("--junitxml={}", report.display()));
            a.extend(words("-o junit_family=xunit1"));
        }
        // No shared cache between parallel attempts, nor in the project when a line is replayed.
        a.extend(words("-p no:cacheprovider -p no:randomly"));
        a.extend(["-p".to_owned(), PLUGIN_MODULE.to_owned()]);
        let support = ctx.support.join("pytest");
        let python_path = match std::env::var("PYTHONPATH") {
            Ok(p) if !p.is_empty() => format!("{}:{p}", support.display()),
            _ => support.display().to_string(),
        };
        let mut env = vec![("PYTHONPATH".to_owned(), python_path)];
        if let Some(batch) = ctx.batch {
            env.extend(batch_env(batch));
            if ctx.with_report {
                env.push((
                    "FLAKY_BATCH_REPORT".to_owned(),
                    report.display().to_string(),
                ));
            }
        } else if let Some(seed) = ctx.shuffle {
            env.push(("FLAKY_ORDER_SEED".to_owned(), seed.to_string()));
        }
        if let Some(ids) = ctx.select {
            // pytest reads options even after `--`: an id that starts with `-` is given as
            // `./-...`, a path.
            a.extend(ids.iter().map(|id| path_arg(id)));
        }
        Prepared {
            argv: a,
            env,
            report: ReportSource::File(report),
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], _project: &Path) -> Parsed {
        junit::parse(report)
    }

    /// pytest's default JUnit family (xunit2) has no `file`: the node id is guessed from the
    /// dotted class name (see [`junit`]); when the guessed file is not in the project, the file
    /// is the longest dotted prefix that is (a class whose name starts in lower case was taken
    /// for a module).
    fn selection_id(&self, id: &str, project: &Path) -> String {
        let Some((file, rest)) = id.split_once(".py::") else {
            return id.to_owned();
        };
        if project.join(format!("{file}.py")).exists() {
            return id.to_owned();
        }
        let (classes, name) = rest.rsplit_once("::").unwrap_or(("", rest));
        let dotted: Vec<&str> = file
            .split('/')
            .chain(classes.split("::").filter(|c| !c.is_empty()))
            .collect();
        (1..=dotted.len())
            .rev()
            .map(|k| {
                let (module, classes) = dotted.split_at(k);
                (module.join("/"), classes)
            })
            .find(|(module, _)| project.join(format!("{module}.py")).is_file())
            .map_or_else(
                || id.to_owned(),
                |(module, classes)| {
                    let mut found = format!("{module}.py");
                    for part in classes.iter().chain([&name]) {
                        found.push_str("::");
                        found.push_str(part);
                    }
                    found
                },
            )
    }

    fn support_files(&self) -> &'static [(&'static str, &'static str)] {
        &[("pytest/flaky_pytest.py", PLUGIN)]
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "--junitxml=<attempt dir>/report.xml -o junit_family=xunit1 -p no:cacheprovider",
            order: "flaky's bundled plugin (-p flaky_pytest) shuffles with the attempt's order seed; pytest-randomly is turned off (-p no:randomly) and its reseeding done with the recorded seed",
            select_one: "node id: python3 -m pytest 'tests/test_x.py::TestClass::test_name'",
            seed_variable: "TEST_SEED, PYTHONHASHSEED",
        }
    }
}

/// What the plugin needs to run a batch: its attempts (`index:seed:order seed`, `-` when the
/// order is kept) and the variables it sets to each attempt's seed and index. PYTHONHASHSEED is
/// not among them: Python reads it once, at start.
fn batch_env(batch: &[Repeat]) -> Vec<(String, String)> {
    let repeats = batch
        .iter()
        .map(|r| {
            let order = r
                .order_seed
                .map_or_else(|| "-".to_owned(), |o| o.to_string());
            format!("{}:{}:{order}", r.index, r.seed)
        })
        .collect::<Vec<_>>()
        .join(",");
    let seeds = SEED_VARIABLES
        .iter()
        .filter(|v| **v != "PYTHONHASHSEED")
        .copied()
        .collect::<Vec<_>>()
        .join(",");
    vec![
        ("FLAKY_BATCH".to_owned(), repeats),
        ("FLAKY_SEED_VARIABLES".to_owned(), seeds),
        (
            "FLAKY_ATTEMPT_VARIABLES".to_owned(),
            ATTEMPT_VARIABLES.join(","),
        ),
    ]
}

/// pytest's options (and common plugins') written `--flag value`: their values are not test paths.
const VALUE_FLAGS: &[&str] = &[
    "-k",
    "-m",
    "-p",
    "-o",
    "-c",
    "-W",
    "-r",
    "-n",
    "--override-ini",
    "--config-file",
    "--rootdir",
    "--confcutdir",
    "--basetemp",
    "--ignore",
    "--ignore-glob",
    "--deselect",
    "--maxfail",
    "--tb",
    "--durations",
    "--import-mode",
    "--capture",
    "--log-level",
    "--log-file",
    "--log-cli-level",
    "--cov",
    "--cov-report",
    "--cov-config",
    "--timeout",
    "--dist",
    "--numprocesses",
    "--reruns",
];

/// Whether a positional word names tests: a node id, a Python file, or a file or directory of the
/// project (other words are values of options flaky does not know).
fn is_test_path(w: &str, project: &Path) -> bool {
    w.contains("::") || w.ends_with(".py") || w.ends_with('/') || project.join(w).exists()
}

/// Where the project's `.venv` has pytest installed (`.venv/lib/python3.X/site-packages/pytest`).
fn venv_pytest(dir: &ProjectDir) -> Option<String> {
    if !dir.has(".venv") {
        return None;
    }
    let lib = dir.path.join(".venv/lib");
    let mut versions: Vec<String> = std::fs::read_dir(&lib)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("python"))
        .collect();
    versions.sort();
    versions.into_iter().find_map(|v| {
        let pytest = format!(".venv/lib/{v}/site-packages/pytest");
        dir.path.join(&pytest).is_dir().then_some(pytest)
    })
}

fn python_test_files(dir: &ProjectDir) -> Option<String> {
    for sub in ["tests", "test"] {
        let Ok(rd) = std::fs::read_dir(dir.path.join(sub)) else {
            continue;
        };
        let found = rd.flatten().any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".py") && (n.starts_with("test_") || n.ends_with("_test.py"))
        });
        if found {
            return Some(format!("{sub}/test_*.py"));
        }
    }
    None
}

fn randomly_evidence(dir: &ProjectDir) -> Option<String> {
    let files = [
        "pyproject.toml",
        "setup.cfg",
        "requirements.txt",
        "requirements-dev.txt",
        "requirements-test.txt",
        "poetry.lock",
        "uv.lock",
        "Pipfile",
    ];
    files
        .iter()
        .find(|f| {
            dir.read_text(f)
                .is_some_and(|t| t.contains("pytest-randomly") || t.contains("pytest_randomly"))
        })
        .map(|f| {
            format!(
                "{f} names pytest-randomly (flaky turns it off and controls order and seeds itself)"
            )
        })
}
