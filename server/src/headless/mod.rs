//! Headless bot matches.
