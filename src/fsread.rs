//! Shell: the one way the tool opens files.
//!
//! Every file of a checkout (sources, manifests, configuration) is read through a [`Jail`]: the
//! path is resolved (symlinks included) and must lie inside the jail's root, it must be a regular
//! file, and it must not exceed a size limit. Otherwise it is not opened at all, so none of its
//! bytes can reach the output. A FIFO or a device is never opened (opening a FIFO blocks until a
//! writer appears), and reads are bounded even if the file grows or is swapped after the check.
//! Files named on the command line by the user (`--config`, `--baseline`) are read with
//! [`read_regular`]: the same checks without the jail.
//!
//! Output files are written with [`write_atomic`]: a temporary file in the same directory, then a
//! rename, so an interrupted or failed write leaves the old file intact.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Default per-file size limit (`[settings] max-file-size`): 10 MiB. The largest file in the
/// shared corpus is well under 1 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 << 20;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The path resolves (after symlinks) outside the jail's root.
    Outside,
    /// Not a regular file: "a directory", "a FIFO", "a device", "a socket".
    NotAFile(&'static str),
    /// Larger than the limit.
    TooLarge { size: u64, limit: u64 },
    /// Read as text, but not valid UTF-8: the 1-based line and char column of the first bad byte.
    InvalidUtf8 { line: u32, column: u32 },
    /// Missing, unreadable, ...: the OS's short reason ("No such file or directory").
    Io(String),
}

impl ReadError {
    /// Is this "the file does not exist" (as opposed to "exists but must not be read")?
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(r) if r == NOT_FOUND)
    }
}

const NOT_FOUND: &str = "No such file or directory";

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Outside => f.write_str("it resolves to a path outside the package; not read"),
            ReadError::NotAFile(kind) => write!(f, "it is {kind}, not a regular file; not read"),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "it is {} bytes, more than the limit of {} bytes (`[settings] max-file-size`); not read",
                size, limit
            ),
            ReadError::InvalidUtf8 { line, column } => {
                write!(f, "not valid UTF-8 (invalid byte at {line}:{column})")
            }
            ReadError::Io(reason) => f.write_str(reason),
        }
    }
}

/// A short reason for an I/O error ("No such file or directory"), without "(os error 2)".
pub fn io_reason(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        return NOT_FOUND.to_string();
    }
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A directory tree that reads may not leave.
#[derive(Debug, Clone)]
pub struct Jail {
    /// Canonical (symlink-free, absolute) root.
    root: PathBuf,
    limit: u64,
    /// Directories resolved so far (as written → canonical, or why not), shared by the jail's
    /// copies: a file's directory is resolved once, not once per file and candidate.
    dirs: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<PathBuf, Result<PathBuf, ReadError>>>,
    >,
}

impl Jail {
    /// A jail rooted at `root` (canonicalized; it must exist) with a per-file size `limit`.
    pub fn new(root: &Path, limit: u64) -> Result<Jail, ReadError> {
        let root = std::fs::canonicalize(root).map_err(|e| ReadError::Io(io_reason(&e)))?;
        Ok(Jail {
            root,
            limit,
            dirs: Default::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The same root with another size limit.
    pub fn with_limit(&self, limit: u64) -> Jail {
        Jail {
            root: self.root.clone(),
            limit,
            dirs: self.dirs.clone(),
        }
    }

    /// `path` resolved (symlinks followed), if it exists and lies inside the root. Does not
    /// open it. Relative paths are taken relative to the current directory.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let real = self.canonical(path)?;
        if real.starts_with(&self.root) {
            Ok(real)
        } else {
            Err(ReadError::Outside)
        }
    }

    /// `std::fs::canonicalize(path)`, with the directory resolved once per jail: the file
    /// itself is looked at with `lstat`, and only a symlink is followed (all the way).
    fn canonical(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let io = |e: std::io::Error| ReadError::Io(io_reason(&e));
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return std::fs::canonicalize(path).map_err(io);
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let cached = self.dirs.lock().ok().and_then(|d| d.get(dir).cloned());
        let real_dir = match cached {
            Some(r) => r?,
            None => {
                let r = std::fs::canonicalize(dir).map_err(io);
                if let Ok(mut d) = self.dirs.lock() {
                    d.insert(dir.to_path_buf(), r.clone());
                }
                r?
            }
        };
        let full = real_dir.join(name);
        let meta = std::fs::symlink_metadata(&full).map_err(io)?;
        if meta.file_type().is_symlink() {
            std::fs::canonicalize(&full).map_err(io)
        } else {
            Ok(full)
        }
    }

    /// Is `path` a regular file inside the root? (What module discovery asks of a candidate.)
    pub fn is_file(&self, path: &Path) -> bool {
        self.check_file(path).is_ok()
    }

    /// `path` resolved, if it is a regular file inside the root; otherwise why not (missing,
    /// outside, not a regular file). Does not open it.
    pub fn check_file(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let real = self.resolve(path)?;
        let meta = std::fs::metadata(&real).map_err(|e| ReadError::Io(io_reason(&e)))?;
        if meta.is_file() {
            Ok(real)
        } else {
            Err(ReadError::NotAFile(kind_of(meta.file_type())))
        }
    }

    /// The bytes of `path`, if it is a regular file inside the root and within the limit.
    pub fn read(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        let real = self.resolve(path)?;
        read_checked(&real, self.limit)
    }

    /// [`Jail::read`] as text; invalid UTF-8 is [`ReadError::InvalidUtf8`] at the first bad byte.
    pub fn read_to_string(&self, path: &Path) -> Result<String, ReadError> {
        utf8(self.read(path)?)
    }
}

/// The bytes of a user-named file (`--config`, `--baseline`): a regular file within `limit`,
/// wherever it is.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_checked(path, limit)
}

/// [`read_regular`] as text.
pub fn read_regular_to_string(path: &Path, limit: u64) -> Result<String, ReadError> {
    utf8(read_regular(path, limit)?)
}

fn utf8(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = utf8_error_position(e.as_bytes());
        ReadError::InvalidUtf8 { line, column }
    })
}

/// 1-based line and char column of the first invalid byte of `bytes` (valid UTF-8 before it).
/// A leading byte order mark is not counted, as in [`crate::source::LineIndex`].
pub fn utf8_error_position(bytes: &[u8]) -> (u32, u32) {
    let valid = std::str::from_utf8(bytes)
        .err()
        .map_or(bytes.len(), |e| e.valid_up_to());
    let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
    let line = prefix.matches('\n').count() as u32 + 1;
    let last = prefix.rsplit('\n').next().unwrap_or("");
    let last = if line == 1 {
        last.strip_prefix(crate::source::BOM).unwrap_or(last)
    } else {
        last
    };
    (line, last.chars().count() as u32 + 1)
}

/// What a file that is not a regular file is: "a FIFO", "a device", "a socket", "a directory".
pub fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// stat, refuse what is not a regular file or is too large, open without blocking, check the
/// opened handle again, and read at most `limit + 1` bytes.
fn read_checked(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(io_reason(&e)))?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind_of(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Swapped for a FIFO between the stat and the open: do not block on it.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| ReadError::Io(io_reason(&e)))?;
    let meta = file.metadata().map_err(|e| ReadError::Io(io_reason(&e)))?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind_of(meta.file_type())));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(io_reason(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Replace `path` with `bytes` atomically: write a temporary file next to it, flush it to disk,
/// then rename it over `path`. On any error the old file is left as it was and the temporary
/// file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // Keep the old file's permissions, as an in-place write would.
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = tmp.as_file().set_permissions(meta.permissions());
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_refuses_outside_and_non_files() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("pkg");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("a.rs"), "fn a() {}").unwrap();
        std::fs::write(outer.path().join("secret"), "TOKEN").unwrap();
        let jail = Jail::new(&root, 100).unwrap();
        assert_eq!(jail.read(&root.join("a.rs")).unwrap(), b"fn a() {}");
        assert_eq!(
            jail.read(&root.join("../secret")).unwrap_err(),
            ReadError::Outside
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outer.path().join("secret"), root.join("link.rs")).unwrap();
            assert_eq!(
                jail.read(&root.join("link.rs")).unwrap_err(),
                ReadError::Outside
            );
            assert!(!jail.is_file(&root.join("link.rs")));
            let zero = Jail::new(Path::new("/dev"), 100).unwrap();
            assert_eq!(
                zero.read(Path::new("/dev/zero")).unwrap_err(),
                ReadError::NotAFile("a device")
            );
        }
        assert_eq!(
            jail.read(&root).unwrap_err(),
            ReadError::NotAFile("a directory")
        );
        assert!(jail
            .read(&root.join("missing.rs"))
            .unwrap_err()
            .is_not_found());
        std::fs::write(root.join("big.rs"), vec![b' '; 101]).unwrap();
        assert_eq!(
            jail.read(&root.join("big.rs")).unwrap_err(),
            ReadError::TooLarge {
                size: 101,
                limit: 100
            }
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), b"x = 1\nab\xffc\n").unwrap();
        let jail = Jail::new(dir.path(), 100).unwrap();
        assert_eq!(
            jail.read_to_string(&dir.path().join("a.toml")).unwrap_err(),
            ReadError::InvalidUtf8 { line: 2, column: 3 }
        );
        assert_eq!(utf8_error_position(b"\xef\xbb\xbf\xc3(\n"), (1, 1));
        assert_eq!(utf8_error_position(b"\xc3\xa9\xff"), (1, 2));
    }

    #[test]
    fn atomic_write_replaces_or_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        // A target that cannot be replaced (a directory) fails and leaves no temp file behind.
        let d = dir.path().join("adir");
        std::fs::create_dir(&d).unwrap();
        assert!(write_atomic(&d, b"x").is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
