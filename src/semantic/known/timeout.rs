//! Network calls that wait on a peer, and the clients whose deadline is set when they are built.

/// Connects, look-ups and opens that wait on a peer and have no deadline of their own.
pub const CONNECTS: &[&str] = &[
    "tokio::net::TcpStream::connect",
    "tokio::net::UnixStream::connect",
    "tokio::net::lookup_host",
    "async_std::net::TcpStream::connect",
    "async_std::os::unix::net::UnixStream::connect",
    "async_net::TcpStream::connect",
    "async_net::unix::UnixStream::connect",
    "smol::net::TcpStream::connect",
    "smol::net::unix::UnixStream::connect",
    "tokio_postgres::connect",
    "tokio_tungstenite::connect_async",
    "tokio_tungstenite::connect_async_with_config",
    "tokio_tungstenite::connect_async_tls_with_config",
    "async_tungstenite::tokio::connect_async",
    "async_tungstenite::async_std::connect_async",
    "lapin::Connection::connect",
    "lapin::Connection::connect_uri",
    "lapin::Connection::connect_with_config",
];

/// Sockets configured before they connect: their `connect(addr)` waits on the peer like
/// `TcpStream::connect` does.
pub const SOCKET_CTORS: &[&str] = &[
    "tokio::net::TcpSocket::new_v4",
    "tokio::net::TcpSocket::new_v6",
];

pub const SOCKET_TYPES: &[&str] = &["tokio::net::TcpSocket"];

/// redis-rs `Client` methods that open a connection (trusted in crates that depend on redis).
pub const REDIS_OPENS: &[&str] = &[
    "get_async_connection",
    "get_multiplexed_async_connection",
    "get_multiplexed_tokio_connection",
    "get_multiplexed_async_std_connection",
    "get_tokio_connection",
    "get_async_std_connection",
    "get_connection_manager",
];

/// The default-client request: no client, so no timeout.
pub const REQWEST_GET: &[&str] = &["reqwest::get"];

pub const REQWEST_CLIENT_NEW: &[&str] = &["reqwest::Client::new", "reqwest::Client::default"];

pub const REQWEST_BUILDER: &[&str] = &["reqwest::Client::builder", "reqwest::ClientBuilder::new"];

/// The builder type, for helpers declared to return one (`fn builder() -> ClientBuilder`).
pub const REQWEST_BUILDER_TYPE: &[&str] = &["reqwest::ClientBuilder"];

/// The methods that open a tonic `Endpoint` as a `Channel` (eagerly or on first use, over
/// its own connector or one the caller hands in).
pub const TONIC_OPENS: &[&str] = &[
    "connect",
    "connect_lazy",
    "connect_with_connector",
    "connect_with_connector_lazy",
];

pub const TONIC_ENDPOINT: &[&str] = &[
    "tonic::transport::Endpoint::from_static",
    "tonic::transport::Endpoint::from_shared",
    "tonic::transport::Endpoint::new",
    "tonic::transport::Endpoint::try_from",
    "tonic::transport::Endpoint::from",
    "tonic::transport::Channel::from_static",
    "tonic::transport::Channel::from_shared",
    "tonic::transport::Channel::builder",
];

pub const HYPER_CLIENTS: &[&str] = &[
    "hyper::Client::new",
    "hyper::Client::builder",
    "hyper::client::Client::new",
    "hyper::client::Client::builder",
    "hyper_util::client::legacy::Client::builder",
];

pub const HYPER_CLIENT_TYPES: &[&str] = &[
    "hyper::Client",
    "hyper::client::Client",
    "hyper_util::client::legacy::Client",
];

/// `RequestBuilder` methods that start a request (`client.get(url)…send()`).
pub const REQUEST_VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "request"];
