//! `petri`: the game server's command line.

fn main() -> anyhow::Result<()> {
    petri_server::cli::run()
}
