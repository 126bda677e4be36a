//! The quarantine of `.flaky.yml` (being built).
