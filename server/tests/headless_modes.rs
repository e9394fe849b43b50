//! A headless match per mode, through the real `petri match` binary (the flags, the worker pool,
//! the JSON report): ffa as always, teams reporting each team's win rate, last man standing
//! playing several rounds and counting who won them.

use std::process::Command;

use serde_json::Value;

fn petri_match(mode: &str, ticks: u32) -> Value {
    let dir = std::env::temp_dir().join(format!("petri-headless-{mode}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let json = dir.join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_petri"))
        .args([
            "match",
            "--mode",
            mode,
            "--bots",
            "forager:6,hunter:6,survivor:6",
        ])
        .args([
            "--ticks",
            &ticks.to_string(),
            "--seeds",
            "1-2",
            "--threads",
            "2",
        ])
        .arg("--no-progress")
        .arg("--json")
        .arg(&json)
        .output()
        .expect("petri runs");
    assert!(
        output.status.success(),
        "petri match --mode {mode}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&json).expect("the report");
    let _ = std::fs::remove_dir_all(&dir);
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn a_free_for_all_match_reports_strategies_only() {
    let report = petri_match("ffa", 300);
    assert_eq!(report["settings"]["config"]["mode"], "ffa");
    assert_eq!(report["seeds"].as_array().map(Vec::len), Some(2));
    assert!(report.get("teams").is_none(), "{}", report["teams"]);
}

#[test]
fn a_teams_match_reports_each_teams_win_rate() {
    let report = petri_match("teams", 400);
    let teams = report["teams"].as_array().expect("teams");
    assert_eq!(teams.len(), 3, "the classic three teams");
    let rates: f64 = teams.iter().filter_map(|t| t["win_rate"].as_f64()).sum();
    assert!(
        (rates - 1.0).abs() < 1e-9,
        "one team wins each seed: {rates}"
    );
    let shares: f64 = teams.iter().filter_map(|t| t["mean_share"].as_f64()).sum();
    assert!((shares - 1.0).abs() < 1e-3, "the shares add up: {shares}");
    // 18 bots on 3 teams: 6 each
    for seed in report["seeds"].as_array().expect("seeds") {
        let players: Vec<u64> = seed["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .filter_map(|t| t["players"].as_u64())
            .collect();
        assert_eq!(players, [6, 6, 6]);
    }
}

#[test]
fn a_last_man_standing_match_plays_rounds() {
    // 120 s rounds: 3,500 ticks (140 s) see the first round end and the second begin
    let report = petri_match("lms", 3_500);
    for seed in report["seeds"].as_array().expect("seeds") {
        assert!(
            seed["rounds"].as_u64().is_some_and(|n| n >= 2),
            "{}",
            seed["rounds"]
        );
    }
    let round_wins: u64 = report["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .filter_map(|s| s["round_wins"].as_u64())
        .sum();
    assert!(
        round_wins >= 2,
        "every finished round has a winner: {round_wins}"
    );
}
