//! Advice to the kernel on how to back memory sigil owns.
//!
//! argon2id reads a pseudo-random 1 KiB block of its buffer for every block it writes,
//! so with 4 KiB pages nearly every read of a 7 MiB buffer misses the first-level TLB and
//! many walk the page tables, and two hashes at once fight over the cache those walks
//! need. Backed by 2 MiB pages, the same buffer takes a handful of TLB entries. Linux
//! gives an allocation transparent huge pages only when asked (`madvise`, the default
//! of most distributions), so the password workers ask for their buffers.
//!
//! This crate holds the workspace's only `unsafe` block, which is why it is a crate: the
//! others forbid `unsafe_code`. The advice changes how the kernel backs the pages, never
//! what they hold nor where they are mapped.

/// The huge page size of x86_64 and of arm64 with 4 KiB pages. A multiple of every base
/// page size Linux uses (4, 16 and 64 KiB), so a range aligned to it is page-aligned
/// wherever the call runs; where the kernel's huge pages are larger, it simply finds no
/// whole huge page in the range.
const HUGE_PAGE: usize = 2 << 20;

/// The whole huge pages inside `memory`, as a start address and a length: the part the
/// advice applies to, so that no page outside what the caller holds is touched by it and
/// no huge page makes the process hold more than `memory` itself.
fn whole_huge_pages(start: usize, len: usize) -> Option<(usize, usize)> {
    let end = start.checked_add(len)?;
    let first = start.checked_next_multiple_of(HUGE_PAGE)?;
    let last = end - end % HUGE_PAGE;
    (last > first).then(|| (first, last - first))
}

/// Asks the kernel to back the whole 2 MiB pages inside `memory` with transparent huge
/// pages when it first touches them; best called before the memory is written. Returns
/// whether the kernel took the advice (false where there is no whole huge page in
/// `memory`, on kernels without transparent huge pages, and off Linux). Taking the slice
/// mutably is what makes the call sound: nothing else can be using these pages.
pub fn prefer_huge_pages<T>(memory: &mut [T]) -> bool {
    let Some((start, len)) = whole_huge_pages(memory.as_mut_ptr() as usize, size_of_val(memory))
    else {
        return false;
    };
    advise_huge(start, len)
}

#[cfg(target_os = "linux")]
fn advise_huge(start: usize, len: usize) -> bool {
    // SAFETY: [start, start + len) lies inside a slice the caller holds exclusively and
    // is page-aligned (see `HUGE_PAGE`). MADV_HUGEPAGE only changes which page size the
    // kernel uses for these addresses: contents, mapping and protection stay as they are,
    // so no Rust reference to the memory is affected. On failure nothing changes.
    let answer = unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
    answer == 0
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_start: usize, _len: usize) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    #[test]
    fn only_whole_huge_pages_inside_the_range_are_advised() {
        // Aligned at both ends: all of it.
        assert_eq!(
            whole_huge_pages(4 * MIB, 12 * MIB),
            Some((4 * MIB, 12 * MIB))
        );
        // Off by a little at both ends: the whole pages between.
        assert_eq!(
            whole_huge_pages(4 * MIB + 64, 12 * MIB),
            Some((6 * MIB, 10 * MIB))
        );
        // Starting on a boundary, ending short of the next.
        assert_eq!(whole_huge_pages(2 * MIB, 3 * MIB), Some((2 * MIB, 2 * MIB)));
        // No whole page inside.
        assert_eq!(whole_huge_pages(MIB, 2 * MIB), None);
        assert_eq!(whole_huge_pages(2 * MIB, 2 * MIB - 1), None);
        assert_eq!(whole_huge_pages(2 * MIB, 0), None);
        // The top of the address space never wraps.
        assert_eq!(whole_huge_pages(usize::MAX - MIB, 4 * MIB), None);
        assert_eq!(whole_huge_pages(usize::MAX - MIB, MIB), None);
    }

    #[test]
    fn memory_too_small_for_a_huge_page_is_left_alone() {
        let mut small = vec![0u8; 4096];
        assert!(!prefer_huge_pages(&mut small));
        assert!(small.iter().all(|&b| b == 0));
    }

    /// The `VmFlags` of the mapping that holds `address`, from /proc/self/smaps.
    #[cfg(target_os = "linux")]
    fn vm_flags(address: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().unwrap_or_default();
            if let Some((from, to)) = range.split_once('-')
                && let (Ok(from), Ok(to)) = (
                    usize::from_str_radix(from, 16),
                    usize::from_str_radix(to, 16),
                )
            {
                inside = (from..to).contains(&address);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return Some(flags.trim().to_owned());
            }
        }
        None
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_marks_the_advised_pages_and_their_contents_stay() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            return; // a kernel built without transparent huge pages refuses the advice
        }
        let mut big: Vec<u64> = (0..(8 * MIB / 8) as u64).collect();
        assert!(prefer_huge_pages(&mut big));
        let (inner, _) = whole_huge_pages(big.as_ptr() as usize, 8 * MIB).unwrap();
        let flags = vm_flags(inner).unwrap();
        // `hg`: the kernel's mark for memory advised MADV_HUGEPAGE.
        assert!(flags.split(' ').any(|f| f == "hg"), "{flags}");
        assert!(big.iter().enumerate().all(|(i, &v)| v == i as u64));
    }
}
