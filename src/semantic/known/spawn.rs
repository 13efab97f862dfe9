//! Calls that start concurrent work: runtime tasks, the blocking pool, OS threads.

/// Start an async task on the runtime; the returned handle carries its outcome.
pub const TASK_SPAWNS: &[&str] = &[
    "tokio::spawn",
    "tokio::task::spawn",
    "tokio::task::spawn_local",
    "async_std::task::spawn",
    "async_std::task::spawn_local",
    "async_std::spawn",
    "actix_rt::spawn",
    "actix::spawn",
    "actix_web::rt::spawn",
];

/// Run a closure on the runtime's blocking pool.
pub const BLOCKING_SPAWNS: &[&str] = &[
    "tokio::task::spawn_blocking",
    "async_std::task::spawn_blocking",
];

/// Start an OS thread.
pub const THREAD_SPAWNS: &[&str] = &["std::thread::spawn"];

/// Builders whose `.spawn(..)` (after `.name(..)`, `.stack_size(..)`) starts an OS thread and
/// returns `io::Result<JoinHandle>`.
pub const THREAD_BUILDERS: &[&str] = &["std::thread::Builder::new"];

/// Builders whose `.spawn(fut)` (after `.name(..)`) starts a runtime task and returns
/// `io::Result<JoinHandle>`.
pub const TASK_BUILDERS: &[&str] = &["tokio::task::Builder::new"];

/// Calls that panic outside a runtime (besides the spawns above): an `async fn` that makes them
/// is `async` to guarantee it runs inside one.
pub const RUNTIME_CONTEXT: &[&str] = &[
    "tokio::task::block_in_place",
    "tokio::task::yield_now",
    "tokio::runtime::Handle::current",
    "tokio::runtime::Handle::try_current",
    "tokio::time::interval",
    "tokio::time::interval_at",
    "tokio::net::TcpStream::from_std",
    "tokio::net::TcpListener::from_std",
    "tokio::net::UdpSocket::from_std",
];

/// Methods that spawn onto the current runtime (`JoinSet::spawn`, `TaskTracker::spawn`,
/// `LocalSet::spawn_local`): also a reason for an `async fn` to be `async`. Any receiver: a
/// false match only keeps `async_without_await` quiet.
pub const RUNTIME_CONTEXT_METHODS: &[&str] = &["spawn", "spawn_local", "spawn_blocking"];

/// Types of runtimes and runtime handles: a parameter, local or struct field declared with one
/// (also behind `&`, `Arc<..>`) is a receiver whose `.spawn(..)` starts a task.
pub const RUNTIME_TYPES: &[&str] = &["tokio::runtime::Runtime", "tokio::runtime::Handle"];

/// Calls that make a runtime or a runtime handle, alone or at the start of a chain
/// (`Builder::new_multi_thread().enable_all().build()?`, `Runtime::new().unwrap()`).
pub const RUNTIME_CONSTRUCTORS: &[&str] = &[
    "tokio::runtime::Handle::current",
    "tokio::runtime::Handle::try_current",
    "tokio::runtime::Runtime::new",
    "tokio::runtime::Builder::new_multi_thread",
    "tokio::runtime::Builder::new_current_thread",
];

/// Methods of a recognized runtime that return a runtime handle (`rt.handle().spawn(..)`),
/// trusted only on such a receiver.
pub const RUNTIME_HANDLE_METHODS: &[&str] = &["handle", "clone"];

/// Traits of the work a spawn takes: a parameter bounded by one of them is a future or closure
/// handed in by the caller, so a fn that spawns it is a runtime abstraction.
/// Aliases of a boxed `dyn Future` (`Pin<Box<dyn Future<Output = T> + Send + 'a>>`): a
/// parameter of one is a future its caller chose.
pub const BOXED_FUTURES: &[&str] = &[
    "futures::future::BoxFuture",
    "futures::future::LocalBoxFuture",
];

pub const SPAWNABLE_TRAITS: &[&str] = &[
    "std::future::Future",
    "std::future::IntoFuture",
    "std::ops::FnOnce",
    "std::ops::FnMut",
    "std::ops::Fn",
];
