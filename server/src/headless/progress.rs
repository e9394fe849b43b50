//! A progress bar on stderr, drawn only when stderr is a terminal so logs and CI output stay clean.

use std::io::{IsTerminal, Write};

pub struct Progress {
    total: u64,
    done: u64,
    drawn_permille: u64,
    enabled: bool,
    label: String,
}

impl Progress {
    pub fn new(label: impl Into<String>, total: u64, wanted: bool) -> Self {
        Self {
            total: total.max(1),
            done: 0,
            drawn_permille: u64::MAX,
            enabled: wanted && std::io::stderr().is_terminal(),
            label: label.into(),
        }
    }

    pub fn advance(&mut self, by: u64) {
        self.done = (self.done + by).min(self.total);
        let permille = self.done * 1000 / self.total;
        if self.enabled && permille != self.drawn_permille {
            self.drawn_permille = permille;
            let filled = (permille * 40 / 1000) as usize;
            let mut err = std::io::stderr().lock();
            // a failed write to the terminal is not worth stopping a match for
            let _ = write!(
                err,
                "\r{} [{}{}] {:>5.1}%",
                self.label,
                "#".repeat(filled),
                ".".repeat(40 - filled),
                permille as f64 / 10.0
            );
            let _ = err.flush();
        }
    }

    pub fn finish(&mut self) {
        if self.enabled {
            let _ = writeln!(std::io::stderr());
            self.enabled = false;
        }
    }
}
