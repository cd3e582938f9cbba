//! The measuring instruments: the allocator warm-up every process does first, CPU time and
//! resident memory read from `/proc`, a seeded random generator, and the median/min/max summary.
//!
//! Everything here reads files or does arithmetic — no `unsafe`, no `libc`.

use std::hint::black_box;
use std::time::Duration;

/// Puts glibc's allocator into its steady state, the same way in every timing process (the Python
/// twins do the same with a `bytearray`).
///
/// glibc serves blocks above its *mmap threshold* (128 KiB at start) with a fresh `mmap`, and
/// raises the threshold to a block's size the first time such a block is freed — but only for
/// blocks up to 32 MiB. Until that has happened, every large `Vec` growth in a benchmark is an
/// `mmap` + page faults + `munmap`, which can double a first run's time. So:
///
/// 1. [`raise_mmap_threshold`]: allocate and free a block just under 32 MiB — the threshold rises
///    to its size (a 64 MiB block would not do: it is above the cap, and its free changes nothing);
/// 2. allocate and free it again — now it comes from the heap, whose pages stay faulted in for the
///    runs that follow (glibc trims the heap only above twice the threshold).
///
/// Measured on this machine: a loop growing a 16 MiB `Vec` 20 times takes 21.7 ms in a fresh
/// process, 15.6 ms after step 1 alone, and 11.0 ms after both — the same as every later run.
pub fn warm_allocator() {
    raise_mmap_threshold();
    let block = vec![1u8; WARM_UP_BLOCK];
    black_box(&block);
}

/// Step 1 of [`warm_allocator`] alone. The memory workload (`sleepers_1m`) stops here: the block
/// goes back to the kernel, so no pre-faulted free heap is left to hide the tasks' memory from
/// the RSS readings, while the allocator follows the same policy as in the timing processes.
pub fn raise_mmap_threshold() {
    let block = vec![1u8; WARM_UP_BLOCK];
    black_box(&block);
}

/// Just under glibc's 32 MiB cap on the dynamic mmap threshold.
const WARM_UP_BLOCK: usize = (32 << 20) - (64 << 10);

/// CPU time (user + system) used so far by every live thread of this process, to the nanosecond.
///
/// Read from `/proc/self/task/*/schedstat`, whose first field is the thread's time on a CPU in ns.
/// (`/proc/self/stat` counts in 10 ms clock ticks: too coarse for runs of a few hundred ms.)
/// Measure a run as the difference of two readings while the runtime's threads are alive.
pub fn cpu_time() -> Duration {
    let mut total_ns: u64 = 0;
    let tasks = std::fs::read_dir("/proc/self/task").expect("read /proc/self/task");
    for task in tasks.flatten() {
        // A thread may exit between the listing and the read: skip it.
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        let on_cpu = stat.split_whitespace().next().unwrap_or("0");
        total_ns += on_cpu
            .parse::<u64>()
            .expect("schedstat's first field is a number");
    }
    Duration::from_nanos(total_ns)
}

/// This process's resident memory, from `/proc/self/status`: `(VmRSS, VmHWM)` in bytes — now,
/// and the peak since the process started (or since [`reset_peak_rss`]).
pub fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let field = |name: &str| -> u64 {
        let line = status
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in /proc/self/status"));
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .expect("a size in kB");
        kib * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the kernel's peak-RSS mark (`VmHWM`) to the current RSS, by writing `5` to
/// `/proc/self/clear_refs` (Linux 4.0+), so the warm-up's block does not count as the peak.
pub fn reset_peak_rss() {
    std::fs::write("/proc/self/clear_refs", "5").expect("write /proc/self/clear_refs");
}

/// A small seeded random generator (SplitMix64), so every runtime — and the Python twins, which
/// carry the same ten lines — sees exactly the same "random" sleeps and deadlines.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator that always yields the same sequence for the same seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high` (the tiny modulo bias is the same for everyone).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }
}

/// The median, minimum and maximum of a set of repetitions.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// Summarises `samples` (NaN samples — "not measured at this size" — are left out); `None`
    /// when nothing is left.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| !s.is_nan()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // The first outputs of SplitMix64 seeded with 1234567 (Vigna's reference implementation).
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
    }

    #[test]
    fn summary_takes_the_middle() {
        let s = Summary::of(&[3.0, 1.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert!(Summary::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn proc_readings_are_sane() {
        let (now, peak) = rss();
        assert!(now > 0 && peak >= now);
        let before = cpu_time();
        let mut x = 0u64;
        for i in 0..1_000_000u64 {
            x = black_box(x.wrapping_add(i));
        }
        assert!(cpu_time() >= before);
    }
}
