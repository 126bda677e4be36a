//! The JSON report: a versioned document scripts can rely on (documented in the README).

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::Report;

/// Bumped on any change that could break a script reading the document.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a Report,
}

pub fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Document {
            schema_version: SCHEMA_VERSION,
            report,
        },
    )?;
    writeln!(out)
}

/// Reads a JSON report back (a stored run).
pub fn read_json(text: &str) -> Result<Report, String> {
    #[derive(Deserialize)]
    struct Owned {
        schema_version: u32,
        #[serde(flatten)]
        report: Report,
    }
    let doc: Owned = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if doc.schema_version > SCHEMA_VERSION {
        return Err(format!(
            "the report has schema version {}, newer than this flaky's {SCHEMA_VERSION}; hint: upgrade flaky",
            doc.schema_version
        ));
    }
    Ok(doc.report)
}
