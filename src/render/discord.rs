//! A Discord webhook message (being built).
