//! Command-line entry points. Placeholder until the match command lands.
pub fn run() -> anyhow::Result<()> {
    Ok(())
}
