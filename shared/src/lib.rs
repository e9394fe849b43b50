//! Petri's wire contract: what every client compiles or mirrors.
