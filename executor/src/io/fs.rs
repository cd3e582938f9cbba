//! File operations that do not block the loop — the "file operations" row of an asyncio tutorial
//! (`aiofiles`, or `asyncio.to_thread(open(...).read)`).
//!
//! Linux has no readiness events for regular files (epoll refuses them: a file is always "ready",
//! the disk just makes you wait). So each function here runs the ordinary `std::fs` call on the
//! [`to_thread`] pool and awaits it.
//!
//! Read next: the API above everything, starting with [`spawn.rs`](mod@crate::spawn).

use std::io;
use std::path::Path;

use super::blocking::to_thread;

/// Reads a whole file into bytes, on a helper thread.
///
/// **Cancellation:** dropping the future stops the waiting; the read still finishes on its thread.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    flatten(to_thread(move || std::fs::read(path)).await)
}

/// Reads a whole file into a `String`, on a helper thread.
///
/// ```
/// # use glassloop_executor as glassloop;
/// glassloop::run(async {
///     let path = std::env::temp_dir().join(format!("glassloop-doc-{}.txt", std::process::id()));
///     glassloop::fs::write(&path, "hello file").await.unwrap();
///     assert_eq!(glassloop::fs::read_to_string(&path).await.unwrap(), "hello file");
///     std::fs::remove_file(&path).unwrap();
/// });
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    flatten(to_thread(move || std::fs::read_to_string(path)).await)
}

/// Writes `contents` to a file, replacing it, on a helper thread.
///
/// **Cancellation:** dropping the future stops the waiting; the write still finishes on its thread.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    flatten(to_thread(move || std::fs::write(path, contents)).await)
}

/// A helper-thread panic becomes an ordinary I/O error for the caller.
fn flatten<T>(result: Result<io::Result<T>, crate::JoinError>) -> io::Result<T> {
    result.map_err(io::Error::other)?
}
