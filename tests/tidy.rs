#![cfg(not(target_arch = "wasm32"))]
//! The architecture's invariants (docs/ARCHITECTURE.md), checked on the source text in the style
//! of rust-analyzer's tidy tests: a change that breaks one fails `cargo test` naming the file and
//! the line, instead of waiting for a reviewer to notice.
//!
//! - Only `src/wasm/` names the browser (`wasm_bindgen`, `web_sys`, `js_sys`, `gloo`, `JsValue`).
//! - The core never reads a clock or sleeps itself (`std::time`, `SystemTime`, `Instant`,
//!   `thread::sleep`): time comes through the `Clock` trait.
//! - The pure modules (domain, matching, planning, decoding, retry policy, money, settings…) name
//!   no I/O trait (`Http`, `Storage`, `Clock`): they take data and give data.
//! - No import runs back up the layers: each module uses only modules of a lower layer.
//! - The engine stays in rooms: no `allow(clippy::too_many_arguments)` (clippy then holds every
//!   function to 7 arguments), no file of `src/engine/` over [`ENGINE_FILE_MAX`] lines of code,
//!   and the run parts never name `Engine` (they work through `RunContext`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The modules of `src/` from the bottom up: a module may use only modules of a lower layer.
const LAYERS: &[&[&str]] = &[
    &["case", "money", "json", "io", "join", "dates", "texts"],
    &["domain", "retry", "mem", "suggest"],
    &["settings", "decode", "findings"],
    &["matching", "csv_export", "settings_form"],
    &["plan"],
    &["client"],
    &["engine"],
    &["wasm"],
];

/// The modules that hold the product's logic without any I/O.
const PURE: &[&str] =
    &["case", "dates", "texts", "suggest", "settings_form", "money", "json", "join", "domain", "retry", "settings", "decode", "matching", "csv_export", "plan"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module of `src/` a file belongs to (`src/plan/orders.rs` → `plan`; `src/lib.rs` → `lib`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// The file's code lines (number, text) without comments and without the test modules at its end
/// (`#[cfg(test)]` onwards): tests may use whatever they need.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        if !code.trim().is_empty() {
            lines.push((i + 1, code.to_string()));
        }
    }
    lines
}

/// The lines with each `use` statement joined into one (rustfmt spreads a long group over
/// several lines), numbered by the statement's first line.
fn statements(lines: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (n, line) in lines {
        let t = line.trim();
        if open {
            let last = out.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(t);
        } else {
            out.push((*n, line.clone()));
            open = t.trim_start_matches("pub ").trim_start_matches("pub(crate) ").starts_with("use ");
        }
        if open && t.ends_with(';') {
            open = false;
        }
    }
    out
}

/// Whether `word` occurs in `line` as a whole identifier (or path segment).
fn names(line: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The modules of this crate a line uses: `crate::x…` and `use crate::{x, y::…}`.
fn crate_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        let rest = &line[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: split on commas outside nested braces.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            found.push(item);
        } else {
            found.push(rest.to_string());
        }
    }
    found.into_iter().map(|item| item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>()).filter(|m| !m.is_empty()).collect()
}

struct Source {
    module: String,
    file: String,
    lines: Vec<(usize, String)>,
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .iter()
        .map(|f| Source {
            module: module_of(&src, f),
            file: f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display().to_string(),
            lines: statements(&code_lines(&fs::read_to_string(f).unwrap())),
        })
        .collect()
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn fail_on(found: Vec<String>, rule: &str) {
    assert!(found.is_empty(), "{rule}:\n{}", found.join("\n"));
}

#[test]
fn every_module_has_a_layer() {
    let mut unknown: Vec<String> = sources().into_iter().map(|s| s.module).filter(|m| m != "lib" && layer_of(m).is_none()).collect();
    unknown.dedup();
    fail_on(unknown, "modules of src/ missing from LAYERS in tests/tidy.rs (give each its place)");
}

#[test]
fn only_the_wasm_module_names_the_browser() {
    let browser = ["wasm_bindgen", "web_sys", "js_sys", "gloo", "gloo_net", "gloo_storage", "JsValue", "JsCast"];
    let mut found = Vec::new();
    for s in sources().iter().filter(|s| s.module != "wasm") {
        for (n, line) in &s.lines {
            for word in browser.iter().filter(|w| names(line, w)) {
                found.push(format!("{}:{n}: names {word}: {}", s.file, line.trim()));
            }
        }
    }
    fail_on(found, "browser types outside src/wasm/ (the core must run under native cargo test)");
}

#[test]
fn the_core_never_reads_a_clock_or_sleeps() {
    // Sleeping through the `Clock` trait (`clock.sleep(ms)`) is the design; the standard
    // library's clock and sleep are not.
    let clocks = ["SystemTime", "Instant", "UNIX_EPOCH"];
    let mut found = Vec::new();
    for s in sources().iter().filter(|s| s.module != "wasm") {
        for (n, line) in &s.lines {
            if line.contains("std::time") || line.contains("thread::") {
                found.push(format!("{}:{n}: {}", s.file, line.trim()));
            }
            for word in clocks.iter().filter(|w| names(line, w)) {
                found.push(format!("{}:{n}: names {word}: {}", s.file, line.trim()));
            }
        }
    }
    fail_on(found, "the core reads time only through the Clock trait and never sleeps");
}

#[test]
fn the_pure_modules_name_no_io_trait() {
    let io = ["Http", "Storage", "Clock"];
    let mut found = Vec::new();
    for s in sources().iter().filter(|s| PURE.contains(&s.module.as_str())) {
        for (n, line) in &s.lines {
            for word in io.iter().filter(|w| names(line, w)) {
                found.push(format!("{}:{n}: names {word}: {}", s.file, line.trim()));
            }
            if line.contains(".sleep(") || line.contains(".now_ms()") {
                found.push(format!("{}:{n}: sleeps or reads the time: {}", s.file, line.trim()));
            }
            if crate_modules(line).iter().any(|m| m == "io") && !line.contains("NetError") {
                found.push(format!("{}:{n}: uses crate::io: {}", s.file, line.trim()));
            }
        }
    }
    fail_on(found, "I/O traits in a pure module (take data, give data; the engine does the I/O)");
}

/// Known breaches, each to be taken out of this list by the change that removes it.
const KNOWN_BREACHES: &[&str] = &[];

#[test]
fn no_import_runs_back_up_the_layers() {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in sources() {
        let Some(own) = layer_of(&s.module) else { continue };
        for (n, line) in &s.lines {
            for used in crate_modules(line) {
                let Some(layer) = layer_of(&used) else { continue };
                if used != s.module && layer >= own {
                    found.entry(format!("{} → {used}", s.module)).or_default().push(format!("{}:{n}", s.file));
                }
            }
        }
    }
    for known in KNOWN_BREACHES {
        assert!(found.remove(*known).is_some(), "{known} is no longer a breach: take it out of KNOWN_BREACHES");
    }
    fail_on(found.into_iter().map(|(k, v)| format!("{k} ({})", v.join(", "))).collect(), "imports up or across the layers of tests/tidy.rs LAYERS");
}

/// Lines of code (comments and blank lines not counted) a file of `src/engine/` may hold before
/// its tests: the order part once held 915 in one file, the product part 728.
const ENGINE_FILE_MAX: usize = 650;

/// The run parts: structs over the run's context (`src/engine/context.rs`), not `Engine` methods.
const RUN_PARTS: &[&str] = &["src/engine/orders/", "src/engine/products/", "src/engine/invoices/", "src/engine/stock.rs", "src/engine/reservations.rs"];

#[test]
fn no_function_is_allowed_more_than_seven_arguments() {
    let mut found = Vec::new();
    for s in sources() {
        for (n, line) in &s.lines {
            if line.contains("too_many_arguments") {
                found.push(format!("{}:{n}: {}", s.file, line.trim()));
            }
        }
    }
    fail_on(found, "clippy's too_many_arguments allowed (group the arguments: a context, a struct of what travels together)");
}

#[test]
fn the_engine_stays_in_rooms() {
    let mut found = Vec::new();
    for s in sources().iter().filter(|s| s.module == "engine") {
        if s.lines.len() > ENGINE_FILE_MAX {
            found.push(format!("{}: {} lines of code before its tests (at most {ENGINE_FILE_MAX})", s.file, s.lines.len()));
        }
        if RUN_PARTS.iter().any(|p| s.file.trim_start_matches('/').starts_with(p)) {
            for (n, line) in s.lines.iter().filter(|(_, l)| names(l, "Engine")) {
                found.push(format!("{}:{n}: a run part names Engine: {}", s.file, line.trim()));
            }
        }
    }
    fail_on(found, "the engine's rooms (docs/ARCHITECTURE.md, \"The engine, file by file\"): split the file, or work through RunContext");
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The readers above, on lines that break each rule: a tidy test that can see nothing passes
    // for nothing.
    assert!(names("let v: JsValue = x;", "JsValue"));
    assert!(!names("let v: JsValueish = x;", "JsValue"));
    assert!(names("use gloo::net;", "gloo"));
    assert_eq!(crate_modules("use crate::plan::{Finding, ReasonCode};"), ["plan"]);
    assert_eq!(crate_modules("use crate::{domain::Code, io::{Http, Storage}, money};"), ["domain", "io", "money"]);
    assert_eq!(crate_modules("let x = crate::engine::run(crate::io::Method::Get);"), ["engine", "io"]);
    assert_eq!(code_lines("a\n// b\nc // d\n#[cfg(test)]\nmod tests {}"), [(1, "a".to_string()), (3, "c ".to_string())]);
    let spread = code_lines("use crate::{\n    domain::Code,\n    engine::Engine,\n};\nfn f() {}");
    let joined = statements(&spread);
    assert_eq!(joined.len(), 2);
    assert_eq!(crate_modules(&joined[0].1), ["domain", "engine"]);
}
