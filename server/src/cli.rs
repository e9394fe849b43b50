//! The `petri` command line: flags are parsed here and handed to the library; this is the
//! binary's edge, where errors become `anyhow` reports for a person to read.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::headless::{Lineup, MatchReport, MatchSettings, chart, parse_seeds, run_matches};
use crate::sim::SimConfig;
use crate::watch::{Shelf, host};

#[derive(Debug, Parser)]
#[command(
    name = "petri",
    version,
    about = "Petri: a real-time multiplayer cell-eating arena"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the game server (the default): web client, lobby and rooms on one port.
    Serve(ServeArgs),
    /// Run a bots-only match with no network, as fast as the CPU allows.
    Match(MatchArgs),
    /// Connect bots over the network to a running server, like browsers; reports what they got.
    Swarm(SwarmArgs),
    /// Check or inspect recorded matches and room sessions (docs/REPLAYS.md).
    #[command(subcommand)]
    Replay(ReplayAction),
}

#[derive(Debug, Subcommand)]
enum ReplayAction {
    /// Re-simulate a replay from the file alone and check every state-hash checkpoint.
    Verify {
        /// The replay, or a session's segments in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a replay's header (seed, rules, where it came from) as JSON.
    Info { file: PathBuf },
    /// Serve one replay to watch in the browser and print the URL to open.
    Watch {
        /// The replay, or a session's segments in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The port on 127.0.0.1 (0: any free one).
        #[arg(long, default_value_t = 8100)]
        port: u16,
    },
}

#[derive(Debug, Args)]
struct SwarmArgs {
    /// The server, as a browser would open it.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// How many network bots.
    #[arg(long, default_value_t = 50)]
    bots: usize,
    /// Rooms to create and spread the bots over (0: join --room instead).
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// The room to join when --rooms is 0.
    #[arg(long, default_value = "main")]
    room: String,
    /// Every bot asks the lobby for quick play (and follows the answer to any cluster node)
    /// instead of joining the swarm's rooms.
    #[arg(long, conflicts_with_all = ["rooms", "room"])]
    quickplay: bool,
    /// How long to play, e.g. 60s, 2m, 500ms.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    duration: std::time::Duration,
    /// New connections per second while starting.
    #[arg(long, default_value_t = 200.0)]
    connect_rate: f64,
    /// Server-side bots to add to each created room.
    #[arg(long, default_value_t = 0)]
    server_bots: u32,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Do not draw the progress line.
    #[arg(long)]
    no_progress: bool,
    /// How the bots reach the server: `websocket`, or `polling` (Engine.IO HTTP long-polling
    /// the whole time, as a browser behind a proxy that blocks WebSocket).
    #[arg(long, value_enum, default_value_t = crate::swarm::Transport::Websocket)]
    transport: crate::swarm::Transport,
}

/// `60s`, `2m`, `500ms`, or plain seconds.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((text, "s"), |i| text.split_at(i));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 60s, 2m or 500ms"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("`{text}`: the unit must be ms, s, m or h")),
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("`{text}` must be more than 0 and at most a day"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// Flags and environment variables override the config file, which overrides the defaults.
#[derive(Debug, Args, Default)]
struct ServeArgs {
    /// A TOML config file (see `petri serve --print-config` for every setting).
    #[arg(long, env = "PETRI_CONFIG")]
    config: Option<PathBuf>,
    /// Address and port to listen on.
    #[arg(long, env = "PETRI_BIND")]
    bind: Option<std::net::SocketAddr>,
    /// Serve the web client from this directory (development) instead of the built-in copy.
    #[arg(long, env = "PETRI_WEB_ROOT")]
    web_root: Option<PathBuf>,
    /// Log lines as text or JSON.
    #[arg(long, env = "PETRI_LOG_FORMAT", value_enum)]
    log_format: Option<crate::config::LogFormat>,
    /// Bots in the main room.
    #[arg(long, env = "PETRI_MAIN_ROOM_BOTS")]
    bots: Option<u32>,
    /// Most connections at once.
    #[arg(long, env = "PETRI_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Most rooms at once.
    #[arg(long, env = "PETRI_MAX_ROOMS")]
    max_rooms: Option<usize>,
    /// Join a cluster on this Redis (`redis://:password@host:6379`); see docs/CLUSTER.md.
    #[arg(long = "redis", env = "PETRI_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// In a cluster: the base URL browsers use to reach this node (default http://<bind>).
    #[arg(long, env = "PETRI_PUBLIC_URL")]
    public_url: Option<String>,
    /// In a cluster: this node's id (default: random at each start).
    #[arg(long, env = "PETRI_NODE_ID")]
    node_id: Option<String>,
    /// Record every room's session into this directory (docs/REPLAYS.md).
    #[arg(long, env = "PETRI_REPLAYS_DIR")]
    replays_dir: Option<PathBuf>,
    /// Print the configuration in force (as TOML) and exit.
    #[arg(long)]
    print_config: bool,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<crate::config::ServerConfig> {
        let mut config = match &self.config {
            Some(path) => crate::config::ServerConfig::from_file(path)?,
            None => crate::config::ServerConfig::default(),
        };
        if let Some(bind) = self.bind {
            config.bind = bind;
        }
        if let Some(root) = &self.web_root {
            config.web_root = Some(root.clone());
        }
        if let Some(format) = self.log_format {
            config.log_format = format;
        }
        if let Some(bots) = self.bots {
            config.main_room.bots = bots;
        }
        if let Some(max) = self.max_connections {
            config.network.max_connections = max;
        }
        if let Some(dir) = &self.replays_dir {
            config.replays.dir = Some(dir.clone());
        }
        if let Some(max) = self.max_rooms {
            config.limits.max_rooms = max;
        }
        if let Some(url) = &self.redis_url {
            config.cluster.redis_url = Some(crate::cluster::RedisUrl::new(url.clone()));
        }
        if let Some(url) = &self.public_url {
            config.cluster.public_url = Some(url.clone());
        }
        if let Some(id) = &self.node_id {
            config.cluster.node_id = Some(id.clone());
        }
        Ok(config)
    }
}

/// The longest match one call may ask for (about 111 hours of play at 25 Hz).
const MAX_TICKS: u64 = 10_000_000;

#[derive(Debug, Args)]
struct MatchArgs {
    /// Who plays: strategy:count pairs (strategies: forager, hunter, survivor).
    #[arg(long, default_value = "forager:34,hunter:33,survivor:33")]
    bots: String,
    /// How many ticks to simulate (25 ticks = 1 s of play at the classic rate).
    #[arg(long, default_value_t = 7500)]
    ticks: u64,
    /// The match's seed: the same seed and settings give the same final state hash.
    #[arg(long, default_value_t = 42, conflicts_with = "seeds")]
    seed: u64,
    /// Several seeds (e.g. 1-20 or 1,5,9): prints each strategy's win rate across them.
    #[arg(long)]
    seeds: Option<String>,
    /// A TOML preset with the rules (default: the embedded classic preset).
    #[arg(long)]
    preset: Option<PathBuf>,
    /// The game mode: ffa, teams or lms (default: the preset's, classic ffa).
    #[arg(long)]
    mode: Option<crate::sim::Mode>,
    /// Play on the preset's map as is instead of sizing it (and its food) for the bot count.
    #[arg(long)]
    no_scale: bool,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write an SVG chart of the top players' mass over time (of the first seed) to this file.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Worker threads for several seeds (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Do not draw the progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Rows of the final leaderboard to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Record the match to this replay file (with --seeds, one file per seed: FILE-<seed>).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Serve the match to watch in the browser as it runs (one seed), instead of a report.
    #[arg(long, conflicts_with_all = ["seeds", "record", "json", "svg"])]
    watch: bool,
    /// With --watch: the match's speed (0.25 to 16; 1 is real time).
    #[arg(long, default_value_t = 1.0, requires = "watch")]
    speed: f64,
    /// With --watch: the port on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = 8100, requires = "watch")]
    port: u16,
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeArgs::default()))
    {
        Command::Serve(args) => run_serve(args),
        Command::Match(args) => {
            init_logging(crate::config::LogFormat::Text);
            run_match(args)
        }
        Command::Swarm(args) => {
            init_logging(crate::config::LogFormat::Text);
            run_swarm(args)
        }
        Command::Replay(action) => run_replay(action),
    }
}

fn run_replay(action: ReplayAction) -> anyhow::Result<()> {
    match action {
        ReplayAction::Verify { files } => {
            let verified = crate::replay::verify_files(&files)?;
            println!(
                "verified: {} ticks, {} checkpoints, {} commands, {} segment(s), final state {:016x}",
                verified.ticks,
                verified.checkpoints,
                verified.commands,
                verified.segments,
                verified.final_hash
            );
        }
        ReplayAction::Info { file } => {
            let reader = crate::replay::ReplayReader::open(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            println!("{}", serde_json::to_string_pretty(reader.header())?);
        }
        ReplayAction::Watch { files, port } => {
            init_logging(crate::config::LogFormat::Text);
            let id = host::id_of_files(&files)?;
            serve_until_stopped(host::serve_one(
                Shelf::Files(files),
                &id,
                port,
                crate::serve::shutdown_signal(),
            ))?;
        }
    }
    Ok(())
}

/// Runs `serving` (a replay server) on a runtime of its own.
fn serve_until_stopped(
    serving: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serving)
}

/// Logs go to stderr (stdout is for reports), filtered by `RUST_LOG` (default `info`).
fn init_logging(format: crate::config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // a second initialisation (tests) is harmless
    let _ = match format {
        crate::config::LogFormat::Text => builder.try_init(),
        crate::config::LogFormat::Json => builder.json().try_init(),
    };
}

fn run_serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    if args.print_config {
        print!("{}", config.to_toml()?);
        return Ok(());
    }
    init_logging(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(crate::serve::run(config))
}

fn run_match(args: MatchArgs) -> anyhow::Result<()> {
    let lineup: Lineup = args.bots.parse().context("--bots")?;
    if args.ticks == 0 || args.ticks > MAX_TICKS {
        bail!("--ticks must be between 1 and {MAX_TICKS}");
    }
    let seeds = match &args.seeds {
        Some(list) => parse_seeds(list).context("--seeds")?,
        None => vec![args.seed],
    };
    let mut config = SimConfig::load(args.preset.as_deref()).context("--preset")?;
    if let Some(mode) = args.mode {
        config.mode = mode;
    }
    if !args.no_scale {
        config = config.scaled_for_players(lineup.total() as usize);
    }
    config
        .validate()
        .context("the map sized for this many bots")?;
    let settings = MatchSettings {
        lineup,
        ticks: args.ticks,
        config,
        history_every: if args.svg.is_some() { 25 } else { 0 },
        record: args.record.clone(),
    };
    eprintln!(
        "petri match: {} bots ({}), {} ticks, {} seed(s), map {:.0} x {:.0}, mode {}",
        settings.lineup.total(),
        settings.lineup,
        settings.ticks,
        seeds.len(),
        settings.config.border_width,
        settings.config.border_height,
        settings.config.mode
    );

    if args.watch {
        if !(crate::watch::MIN_SPEED..=crate::watch::MAX_SPEED).contains(&args.speed) {
            bail!(
                "--speed must be between {} and {}",
                crate::watch::MIN_SPEED,
                crate::watch::MAX_SPEED
            );
        }
        let shelf = host::live_match(&settings, args.seed, args.speed)?;
        let id = host::match_id(args.seed);
        let stop = crate::serve::shutdown_signal();
        return serve_until_stopped(host::serve_one(shelf, &id, args.port, stop));
    }
    let results = run_matches(&settings, &seeds, args.threads, !args.no_progress)?;
    let report = MatchReport::new(settings, results);
    print!("{}", report.render_text(args.top));

    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).context("encoding the report")?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.svg
        && let Some(first) = report.seeds.first()
    {
        let title = format!("Mass of the top players, seed {}", first.seed);
        let svg = chart::render(&first.history, report.settings.config.tick_rate, &title);
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn run_swarm(args: SwarmArgs) -> anyhow::Result<()> {
    if args.bots == 0 || args.bots > 100_000 {
        bail!("--bots must be between 1 and 100000");
    }
    let settings = crate::swarm::SwarmSettings {
        url: args.url.clone(),
        bots: args.bots,
        rooms: args.rooms,
        room: args.room,
        quickplay: args.quickplay,
        duration: args.duration,
        connect_rate: args.connect_rate,
        server_bots: args.server_bots,
        show_progress: !args.no_progress,
        transport: args.transport,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime
        .block_on(crate::swarm::run(settings))
        .with_context(|| format!("running the swarm against {}", args.url))?;
    println!("Swarm report");
    print!("{}", report.render_text());
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).context("encoding the report")?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
