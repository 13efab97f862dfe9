//! Calls that block the thread they run on, and the types whose methods do.

/// Modules of blocking file-system functions: `std::fs` and its drop-in mirrors, which have
/// the same functions with better errors (`fs_err::read_to_string`).
pub const FS_MODULES: &[&str] = &["std::fs", "fs_err"];

/// Blocking file types: opening one, and its I/O methods, block.
pub const FILE_TYPES: &[&str] = &["std::fs::File", "fs_err::File"];

/// `File` constructors that open or create the file.
pub const FILE_OPENS: &[&str] = &["open", "create", "create_new"];

/// Builders whose `.open(p)` opens a blocking file.
pub const OPEN_OPTIONS: &[&str] = &[
    "std::fs::OpenOptions::new",
    "std::fs::File::options",
    "fs_err::OpenOptions::new",
    "fs_err::File::options",
];

/// I/O methods of a blocking `File` value.
pub const FILE_IO_METHODS: &[&str] = &[
    "write_all",
    "read_to_end",
    "read_to_string",
    "sync_all",
    "sync_data",
    "set_len",
];

/// Path types: their file-system methods block.
pub const PATH_TYPES: &[&str] = &[
    "std::path::Path",
    "std::path::PathBuf",
    "camino::Utf8Path",
    "camino::Utf8PathBuf",
];

pub const PATH_CTORS: &[&str] = &[
    "std::path::Path::new",
    "std::path::PathBuf::from",
    "std::path::PathBuf::new",
    "camino::Utf8Path::new",
    "camino::Utf8PathBuf::from",
];

/// `Path` methods that touch the file system (not `join`, `file_name`, `extension`, ...).
pub const PATH_FS_METHODS: &[&str] = &[
    "exists",
    "try_exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "metadata",
    "symlink_metadata",
    "read_dir",
    "canonicalize",
    "read_link",
];

/// Methods of `Result`/`Option` (std, anyhow, eyre) whose success value is their receiver's:
/// `File::open(p).map_err(..)?` is still the file, `p.canonicalize().context(..)?` the path.
pub const VALUE_KEEPING: &[&str] = &[
    "unwrap",
    "expect",
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
];

/// `Path` methods (and conversions) that give another path (`canonicalize` both blocks and
/// gives one).
pub const PATH_DERIVING: &[&str] = &[
    "join",
    "canonicalize",
    "with_extension",
    "with_file_name",
    "to_path_buf",
    "as_path",
    "as_ref",
    "parent",
    "clone",
    "to_owned",
];

/// `std::fs` functions that the async runtimes' fs modules mirror under the same name, with the
/// same result type (so `.await` is the only change). Not `read_dir`: its `ReadDir` is a stream,
/// not an iterator, and the code that iterates it must change too.
pub const ASYNC_MIRRORED_FS: &[&str] = &[
    "read",
    "read_to_string",
    "write",
    "metadata",
    "symlink_metadata",
    "create_dir",
    "create_dir_all",
    "remove_file",
    "remove_dir",
    "remove_dir_all",
    "copy",
    "rename",
    "canonicalize",
    "read_link",
    "hard_link",
    "set_permissions",
];

pub const THREAD_SLEEP: &[&str] = &["std::thread::sleep"];

pub const STD_NET: &[&str] = &[
    "std::net::TcpStream::connect",
    "std::net::TcpStream::connect_timeout",
];

/// Terminal input that waits for the user: crossterm's event reads (its `EventStream`, feature
/// `event-stream`, is the async form).
pub const TERMINAL_EVENTS: &[&str] = &["crossterm::event::read", "crossterm::event::poll"];

/// Directory walks of other crates: built here, iterated right away, each step a blocking
/// `readdir`/`stat` (reported where the walk is made).
pub const DIR_WALKS: &[&str] = &[
    "walkdir::WalkDir::new",
    "glob::glob",
    "glob::glob_with",
    "ignore::Walk::new",
];

/// Constructors of other crates' file types that open the file with std's blocking I/O (each
/// has an async twin: actix-files' `NamedFile::open_async`).
pub const WRAPPED_FILE_OPENS: &[&str] = &["actix_files::NamedFile::open"];

/// Blocking HTTP: the `ureq` crate's request functions.
pub const UREQ: &[&str] = &[
    "ureq::get",
    "ureq::post",
    "ureq::put",
    "ureq::patch",
    "ureq::delete",
    "ureq::head",
    "ureq::request",
    "ureq::request_url",
];

/// Modules whose every function blocks on HTTP with its own runtime.
pub const REQWEST_BLOCKING: &[&str] = &["reqwest::blocking"];

/// Deliberately slow password hashing.
pub const HASHING: &[&str] = &[
    "bcrypt::hash",
    "bcrypt::hash_with_salt",
    "bcrypt::hash_with_result",
    "bcrypt::verify",
    "argon2::hash_encoded",
    "argon2::hash_raw",
    "argon2::verify_encoded",
    "argon2::verify_raw",
    "scrypt::scrypt",
    "scrypt::scrypt_simple",
    "scrypt::scrypt_check",
    "pbkdf2::pbkdf2",
    "pbkdf2::pbkdf2_hmac",
    "pbkdf2::pbkdf2_hmac_array",
];

/// The `password-hash` trait methods (argon2, scrypt, pbkdf2 implement them).
pub const PASSWORD_HASH_METHODS: &[&str] =
    &["hash_password", "verify_password", "hash_password_into"];

/// Crates implementing the `password-hash` traits.
pub const PASSWORD_HASH_CRATES: &[&str] = &["argon2", "scrypt", "pbkdf2", "password_hash"];

/// tokio's methods that panic on an executor thread.
pub const TOKIO_PANICKING: &[&str] = &[
    "blocking_lock",
    "blocking_lock_owned",
    "blocking_read",
    "blocking_write",
    "blocking_recv",
    "blocking_recv_many",
    "blocking_send",
];

pub const COMMAND_NEW: &[&str] = &["std::process::Command::new"];
pub const THREAD_BUILDER: &[&str] = &["std::thread::Builder::new"];
pub const BARRIER_NEW: &[&str] = &["std::sync::Barrier::new"];
pub const CONDVAR_NEW: &[&str] = &["std::sync::Condvar::new"];
pub const STDIN: &[&str] = &["std::io::stdin"];

/// Declared types of the values above (`cvar: Condvar`, `child: std::process::Child`).
pub const CONDVAR_TYPES: &[&str] = &["std::sync::Condvar"];
pub const BARRIER_TYPES: &[&str] = &["std::sync::Barrier"];
pub const COMMAND_TYPES: &[&str] = &["std::process::Command"];
pub const CHILD_TYPES: &[&str] = &["std::process::Child"];
pub const THREAD_HANDLE_TYPES: &[&str] = &["std::thread::JoinHandle"];
pub const STD_RECEIVER_TYPES: &[&str] = &[
    "std::sync::mpsc::Receiver",
    "crossbeam_channel::Receiver",
    "flume::Receiver",
    "kanal::Receiver",
];

/// Channels whose receiver's `recv` blocks the thread.
pub const STD_CHANNELS: &[&str] = &[
    "std::sync::mpsc::channel",
    "std::sync::mpsc::sync_channel",
    "crossbeam_channel::unbounded",
    "crossbeam_channel::bounded",
    "crossbeam::channel::unbounded",
    "crossbeam::channel::bounded",
    // Usable from threads and tasks alike: `recv()` blocks; `recv_async()` (flume) and
    // `kanal::unbounded_async()`'s ends are the async forms.
    "flume::unbounded",
    "flume::bounded",
    "kanal::unbounded",
    "kanal::bounded",
];

/// Stdin reads.
pub const STDIN_READS: &[&str] = &["read_line", "read_to_string", "read_to_end", "lines"];
