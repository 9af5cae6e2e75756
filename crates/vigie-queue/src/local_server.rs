//! A NATS server of one's own: started on a free loopback port with JetStream and a
//! storage directory of its own, for tests and benchmarks that must not share (or that
//! restart) a server.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A `nats-server -js` process, stopped and its storage removed on drop.
pub struct LocalServer {
    binary: PathBuf,
    port: u16,
    storage: PathBuf,
    process: Option<Child>,
}

impl LocalServer {
    /// The `nats-server` binary: `$NATS_SERVER`, else on the `PATH`, else Debian's
    /// `/usr/sbin/nats-server`.
    pub fn binary() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("NATS_SERVER") {
            return Some(path.into());
        }
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("nats-server"))
                .find(|path| path.is_file())
        });
        on_path.or_else(|| Some(PathBuf::from("/usr/sbin/nats-server")).filter(|p| p.is_file()))
    }

    /// Starts a server with JetStream on a free port of 127.0.0.1; `None` when no
    /// `nats-server` binary is installed.
    pub fn start(purpose: &str) -> Option<io::Result<Self>> {
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let binary = Self::binary()?;
        let storage = std::env::temp_dir().join(format!(
            "vigie-nats-{purpose}-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        let start = || -> io::Result<Self> {
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let mut server = LocalServer {
                binary,
                port,
                storage,
                process: None,
            };
            server.spawn()?;
            Ok(server)
        };
        Some(start())
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as `kill -9` would) and starts it again on the same port and
    /// storage: what it had persisted survives.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.spawn()
    }

    fn spawn(&mut self) -> io::Result<()> {
        let process = Command::new(&self.binary)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.storage)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.process = Some(process);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{}: not listening after 20 s", self.url()),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.storage);
    }
}
