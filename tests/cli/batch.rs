//! `flaky run --batch K`: several pytest attempts in one process, each judged on its own.

use serde_json::Value;

use crate::Sandbox;
use crate::frameworks::require_pytest;

/// A pytest project whose `test_b` fails in odd attempts and whose `test_a` kills the process in
/// attempt 2.
fn project() -> Sandbox {
    let s = Sandbox::new();
    s.write(
        "tests/test_c.py",
        "import os\n\n\
         def test_a():\n    if os.environ['FLAKY_ATTEMPT'] == '2':\n        os._exit(3)\n\n\
         def test_b():\n    assert int(os.environ['FLAKY_ATTEMPT']) % 2 == 0, 'odd attempt'\n",
    );
    s
}

fn attempt(doc: &Value, index: u64) -> &Value {
    doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["index"] == index)
        .unwrap()
}

#[test]
fn a_batch_is_judged_attempt_by_attempt_and_a_death_inside_it_sets_the_rest_aside() {
    require_pytest();
    let s = project();
    let (doc, code) = s.run_json(&[
        "-n", "5", "--batch", "5", "-j", "1", "--seed", "1", "--order", "same", "--", "python3",
        "-m", "pytest", "tests",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["batch"], 5);
    // Attempts 0 and 1 ran whole; the process died in 2, and never reached 3 and 4.
    for i in [0, 1] {
        assert_eq!(attempt(&doc, i)["infrastructure"], Value::Null, "{i}");
    }
    assert_eq!(attempt(&doc, 1)["exit_code"], 1);
    for i in [2, 3, 4] {
        assert_ne!(attempt(&doc, i)["infrastructure"], Value::Null, "{i}");
    }
    let reason = attempt(&doc, 3)["infrastructure"].as_str().unwrap();
    assert!(
        reason.contains("the batch's process exited with status 3 before attempt 3 ran"),
        "{reason}"
    );
    assert_eq!(doc["totals"]["infrastructure"], 3);
    let test = |id: &str| {
        doc["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone()
    };
    let b = test("tests/test_c.py::test_b");
    assert_eq!(
        (b["runs"].as_u64(), b["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(test("tests/test_c.py::test_a")["failed"], 0);

    // The replay of test_b's failure runs attempts 0 and 1 in one process, and fails again.
    let failure = doc["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["test"] == "tests/test_c.py::test_b")
        .unwrap();
    assert_eq!(
        (failure["index"].as_u64(), failure["batch_from"].as_u64()),
        (Some(1), Some(0))
    );
    let line = failure["reproduce"].as_str().unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", line])
        .current_dir(s.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{line}\n{stdout}");
    assert!(stdout.contains("odd attempt"), "{stdout}");
    assert!(stdout.contains("1 failed, 3 passed"), "{stdout}");
}

#[test]
fn globals_put_back_between_attempts_keep_their_identity() {
    // A sentinel captured as a default argument must stay the module's sentinel in every attempt
    // of a batch (deep copies of the globals broke 13 tests of more-itertools this way), and a
    // list a test fills is empty again in the next attempt.
    require_pytest();
    let s = Sandbox::new();
    s.write(
        "lib.py",
        "_marker = object()\nSEEN = []\n\ndef first(default=_marker):\n    return default is _marker\n",
    );
    s.write(
        "tests/test_lib.py",
        "import lib\n\n\
         def test_sentinel():\n    assert lib.first()\n\n\
         def test_fills():\n    assert lib.SEEN == []\n    lib.SEEN.append(1)\n",
    );
    // The batch comes from the config this time.
    s.write(".flaky.yml", "batch: 3\n");
    let (doc, code) = s.run_json(&[
        "-n", "6", "--seed", "1", "--", "python3", "-m", "pytest", "tests",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["batch"], 3);
    assert_eq!(doc["totals"]["passed"], 6);
    assert_eq!(doc["tests"].as_array().unwrap().len(), 2);
}
