//! The house a reader walks: every source file opens with what it is, and imports point down.
//!
//! The executor and the timer crates are laid out in layers (see the map in
//! `executor/src/lib.rs` and "How the source is laid out" in `docs/README.md`). These tests
//! read the source as text and hold the layout to its promises:
//!
//! - every file opens with `//!` lines (what it is, its asyncio twin, what to read next);
//! - no two folders import each other, directly or round a longer loop: a reader can go from
//!   the files that depend on nothing up to the API without ever being sent back down;
//! - the only files that import each other in a circle are in the loop's own folder,
//!   `executor/src/event_loop/` (the loop, its context and its wakers are one idea).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

mod support;
use support::repo_path;

/// Every `.rs` file under `dir`, as paths relative to it.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).expect("read the source folder") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// The module path of a file: `event_loop/mod.rs` is `["event_loop"]`, `task/table.rs` is
/// `["task", "table"]`, `lib.rs` is `[]`.
fn module_of(file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The paths a line of code names: `crate::a::b`, `super::c` (made absolute from `module`).
fn named_paths(code: &str, module: &[String], is_mod_file: bool) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|word| word.starts_with("crate::") || word.starts_with("super::"))
        .collect();
    for word in words {
        let mut parts: Vec<&str> = word.split("::").filter(|p| !p.is_empty()).collect();
        let mut base: Vec<String> = Vec::new();
        if parts.first() == Some(&"crate") {
            parts.remove(0);
        } else {
            // `super` is the parent of the file's module; a `mod.rs` file *is* its folder's module.
            base = module.to_vec();
            if !is_mod_file {
                base.pop();
            }
            while parts.first() == Some(&"super") {
                parts.remove(0);
                if parts.first() == Some(&"super") {
                    base.pop();
                }
            }
        }
        base.extend(parts.iter().map(|part| part.to_string()));
        paths.push(base);
    }
    paths
}

/// The file a module path lives in: the longest prefix that is a module of the crate.
fn file_of(path: &[String], files: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    (0..=path.len())
        .rev()
        .find_map(|len| files.get(&path[..len]).cloned())
}

/// Which files of the crate in `dir` each file imports (code lines only, not comments).
fn imports(dir: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let files: BTreeMap<Vec<String>, PathBuf> = sources(dir)
        .into_iter()
        .map(|file| (module_of(&file), file))
        .collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &files {
        let text = fs::read_to_string(dir.join(file)).expect("read a source file");
        let is_mod_file = matches!(
            file.file_name().and_then(|name| name.to_str()),
            Some("mod.rs" | "lib.rs")
        );
        let mut targets = BTreeSet::new();
        // The tests of a file are not part of the house.
        for line in text
            .lines()
            .take_while(|line| !line.contains("#[cfg(test)]"))
        {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for path in named_paths(code, module, is_mod_file) {
                if let Some(target) = file_of(&path, &files) {
                    if &target != file {
                        targets.insert(target);
                    }
                }
            }
        }
        graph.insert(file.clone(), targets);
    }
    graph
}

/// A file's folder; a file at the crate's root stands for itself.
fn folder_of(file: &Path) -> String {
    match file
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        Some(parent) => format!("{}/", parent.display()),
        None => file.display().to_string(),
    }
}

/// Some cycle of `graph`, if it has one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &String,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|seen| seen == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn crates() -> [PathBuf; 2] {
    [repo_path("executor/src"), repo_path("timer/src")]
}

#[test]
fn every_source_file_opens_with_what_it_is() {
    for dir in crates() {
        for file in sources(&dir) {
            let text = fs::read_to_string(dir.join(&file)).unwrap();
            // `wheel/tests.rs` is a test module: it opens with `//!` too.
            assert!(
                text.starts_with("//!"),
                "{} should open with `//!` lines: what it is, and its asyncio twin",
                dir.join(&file).display()
            );
        }
    }
}

#[test]
fn no_two_folders_import_each_other() {
    for dir in crates() {
        let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (file, targets) in imports(&dir) {
            let from = folder_of(&file);
            let entry = folders.entry(from.clone()).or_default();
            entry.extend(
                targets
                    .iter()
                    .map(|target| folder_of(target))
                    .filter(|to| *to != from),
            );
        }
        // `lib.rs` declares and re-exports everything: it is the top, not a layer.
        folders.remove("lib.rs");
        for targets in folders.values_mut() {
            targets.remove("lib.rs");
        }
        assert_eq!(
            find_cycle(&folders),
            None,
            "in {}, folders import each other in a loop",
            dir.display()
        );
    }
}

#[test]
fn only_the_loops_own_folder_has_files_that_import_each_other() {
    for dir in crates() {
        let graph: BTreeMap<String, BTreeSet<String>> = imports(&dir)
            .into_iter()
            .filter(|(file, _)| !file.starts_with("event_loop") && !file.ends_with("lib.rs"))
            .map(|(file, targets)| {
                let targets = targets
                    .iter()
                    .filter(|target| !target.ends_with("lib.rs"))
                    .map(|target| target.display().to_string())
                    .collect();
                (file.display().to_string(), targets)
            })
            .collect();
        assert_eq!(
            find_cycle(&graph),
            None,
            "in {}, files import each other in a loop",
            dir.display()
        );
    }
}

#[test]
fn the_checker_sees_a_cycle_when_there_is_one() {
    // The tests above pass on an empty graph too; make sure they would catch a loop.
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert!(find_cycle(&graph).is_some());
    // And that it reads imports: the loop imports the task table.
    let executor = imports(&repo_path("executor/src"));
    assert!(executor[Path::new("event_loop/mod.rs")].contains(Path::new("task/mod.rs")));
    assert!(executor[Path::new("time/mod.rs")].contains(Path::new("event_loop/mod.rs")));
}
