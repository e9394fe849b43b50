//! The protocol's vocabularies have one home in Rust (`RefusalCode` in `shared`, `Reject` in
//! `rooms`); the web client and the docs repeat them for their readers. These tests read those
//! copies as text and fail when one drifts: a code added in Rust and not documented, a typo in
//! the client's message table that would never match, a metrics reason the operators' guide
//! does not list.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use petri_server::rooms::{ChatReject, Reject};
use petri_shared::game::RefusalCode;

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}

fn codes() -> BTreeSet<String> {
    RefusalCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// Every `"..."`-quoted word in `text`.
fn quoted(text: &str, quote: char) -> BTreeSet<String> {
    text.split(quote)
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The text from the line holding `start` to the first line (after it) holding `end`.
fn section<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found"));
    let rest = &text[from..];
    let to = rest[start.len()..]
        .find(end)
        .map_or(rest.len(), |i| i + start.len());
    &rest[..to]
}

#[test]
fn the_protocol_doc_lists_every_refusal_code() {
    let doc = repo_file("docs/PROTOCOL.md");
    let listed = section(&doc, "codes:", "RoomSummary {");
    assert_eq!(
        quoted(listed, '"'),
        codes(),
        "docs/PROTOCOL.md's refusal codes"
    );
}

#[test]
fn the_web_client_has_a_message_entry_for_every_refusal_code() {
    let js = repo_file("web-client/js/protocol.js");
    let table = section(&js, "export const REFUSAL_MESSAGES", "});");
    let keys: BTreeSet<String> = table
        .lines()
        .filter_map(|line| line.trim().strip_prefix('\''))
        .filter_map(|rest| rest.split_once("':").map(|(key, _)| key.to_owned()))
        .collect();
    assert_eq!(
        keys,
        codes(),
        "REFUSAL_MESSAGES in web-client/js/protocol.js"
    );
}

/// The `snake_case` words quoted in backticks in `docs/OPERATIONS.md` from `start` to `end`.
fn documented_reasons(start: &str, end: &str) -> BTreeSet<String> {
    let guide = repo_file("docs/OPERATIONS.md");
    section(&guide, start, end)
        .split('`')
        .filter(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_operations_guide_lists_every_reject_reason() {
    let documented = documented_reasons("petri_inputs_rejected_total{reason}", ").");
    let reasons: BTreeSet<String> = Reject::ALL.iter().map(|r| r.label().to_owned()).collect();
    assert_eq!(documented, reasons, "docs/OPERATIONS.md's reject reasons");
}

#[test]
fn the_operations_guide_lists_every_chat_reject_reason() {
    let documented = documented_reasons("petri_chat_rejected_total{reason}", "):");
    let reasons: BTreeSet<String> = ChatReject::ALL
        .iter()
        .map(|r| r.label().to_owned())
        .collect();
    assert_eq!(
        documented, reasons,
        "docs/OPERATIONS.md's chat reject reasons"
    );
}
