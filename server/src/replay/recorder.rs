//! Records an arena as it plays: the host calls `before_step` and `after_step` around each
//! `Arena::step`, and `finish` at the end.
//!
//! The arena's journal ([`crate::sim::command`]) notes every command as the host applies it; the
//! recorder drains it right before each step, so a record's tick is the tick at which all of its
//! commands were applied. Nothing is allocated per tick: the commands' buffer goes into the
//! record and comes back out of it.

use std::io::{self, Write};
use std::mem;

use super::format::Record;
use super::writer::ReplayWriter;
use crate::sim::Arena;

pub struct Recorder<W: Write> {
    writer: ReplayWriter<W>,
    commands: Vec<crate::sim::Command>,
    checkpoint_every: u64,
}

impl<W: Write> Recorder<W> {
    /// Starts recording `arena` (which should be fresh, or at the header's `first_tick`) into
    /// `writer`, with a state hash every `checkpoint_every` ticks.
    pub fn start(arena: &mut Arena, writer: ReplayWriter<W>, checkpoint_every: u64) -> Self {
        arena.keep_journal(true);
        Self {
            writer,
            commands: Vec::new(),
            checkpoint_every: checkpoint_every.max(1),
        }
    }

    /// Writes the commands applied since the last step. Call it right before `arena.step()`.
    pub fn before_step(&mut self, arena: &mut Arena) -> io::Result<()> {
        arena.drain_journal(&mut self.commands);
        if self.commands.is_empty() {
            return Ok(());
        }
        let record = Record::Commands {
            tick: arena.tick(),
            commands: mem::take(&mut self.commands),
        };
        let written = self.writer.write(&record);
        if let Record::Commands { mut commands, .. } = record {
            commands.clear();
            self.commands = commands;
        }
        written
    }

    /// Writes a checkpoint (and makes the file readable up to it) when one is due. Call it
    /// right after `arena.step()`.
    pub fn after_step(&mut self, arena: &mut Arena) -> io::Result<()> {
        let tick = arena.tick();
        if !tick.is_multiple_of(self.checkpoint_every) {
            return Ok(());
        }
        let hash = arena.state_hash();
        self.writer.write(&Record::Checkpoint { tick, hash })?;
        self.writer.flush()
    }

    /// Compressed bytes written so far (for rotation by size).
    pub fn body_bytes(&self) -> u64 {
        self.writer.body_bytes()
    }

    /// Writes the last commands and the end record, and gives the output back. `continued`
    /// says that another segment carries on from here (rotation). The journal stays on only if
    /// the recording continues.
    pub fn finish(mut self, arena: &mut Arena, continued: bool) -> io::Result<W> {
        self.before_step(arena)?;
        let tick = arena.tick();
        let hash = arena.state_hash();
        self.writer.write(&Record::End {
            tick,
            hash,
            continued,
        })?;
        if !continued {
            arena.keep_journal(false);
        }
        self.writer.finish()
    }
}
