//! Native timing of the native format's import and export, for comparison with the
//! browser figures of `bench/` (which count what the browser adds: the first run of
//! new wasm code, memory growth, the DOM). See BENCHMARKS.md.
//!
//! `cargo run --release --example native_timing -- bench/cases/L.spantag.json`
//! (the cases are written by `bench/run`, or `node bench/gen.mjs`).

use std::time::{Duration, Instant};

use spantag_core::formats::native;
use spantag_core::model::Schema;

const RUNS: usize = 7;

fn median(mut xs: Vec<Duration>) -> f64 {
    xs.sort();
    xs[xs.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: native_timing FILE.spantag.json");
        std::process::exit(2);
    };
    let json = match std::fs::read_to_string(&path) {
        Ok(json) => json,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let schema = Schema::news();
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let imported = match native::import(&json, &schema) {
            Ok(imported) => imported,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(1);
            }
        };
        imports.push(t.elapsed());
        let t = Instant::now();
        let out = native::export(&imported.document, &imported.annotations);
        exports.push(t.elapsed());
        last = Some((imported, out.len()));
    }
    let (imported, out_len) = last.expect("RUNS > 0");
    println!(
        "{path}: {} code points, {} annotations ({} refused); median of {RUNS}: import {:.1} ms, export {:.1} ms ({} bytes)",
        imported.document.len_cp(),
        imported.annotations.len(),
        imported.refused.len(),
        median(imports),
        median(exports),
        out_len
    );
}
