//! `imported-state-write`: an attribute of an imported module changed by a test and never restored.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "imported-state-write",
    category: Category::GlobalState,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "an attribute of an imported module changed by a test and never restored",
    former: &["py/imported-state-mutation"],
    python: "reset it after each test (a fixture that yields then restores it), or patch it with monkeypatch.setattr / mock.patch.object, which restore it",
    javascript: "",
    go: "",
    rust: "",
    doc: r#"# imported-state-write (global-state)

## What it finds
A Python function that changes state of a module it imports: assigning an attribute (`settings.DEBUG = True`), assigning or deleting an item (`registry.HANDLERS["x"] = h`), or calling a mutating method (`config.ALLOWED.append(...)`). Only names with an UPPER_CASE part are reported; lower-case names are mostly functions and context-local proxies (`flask.g`). Left alone: changes in teardown code (`finally`, after a fixture's `yield`, `tearDown`), resets (`.clear()`, assigning `None` or an empty container), targets a teardown hook restores, and targets a `mock.patch`/`monkeypatch.setattr` in scope replaces.

## Why it makes tests flaky
A module is imported once per process, so the change stays for every test that runs after this one in the same worker. Those tests then pass or fail by the order they run in, and by how pytest-xdist spreads them over workers.

## Example
```python
from app import settings

def test_debug_page_shows_trace(client):
    settings.DEBUG = True
    assert "Traceback" in client.get("/boom").text
```

## Fix
```python
from app import settings

def test_debug_page_shows_trace(client, monkeypatch):
    monkeypatch.setattr(settings, "DEBUG", True)
    assert "Traceback" in client.get("/boom").text
```
`monkeypatch.setattr` and `mock.patch.object` put the old value back when the test ends; otherwise restore it in a fixture after its `yield`.
"#,
};
