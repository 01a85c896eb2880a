//! A mosquitto broker for the integration tests: started on a free 127.0.0.1 port with a config
//! file of ours, killed when dropped. Without mosquitto the tests that need it are skipped,
//! unless `M2M_REQUIRE_MOSQUITTO` is set (as `.ci/run` does): then they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure is a test failure

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `cmd` runs (with `--help`, or `-h` for mosquitto itself).
#[must_use]
pub fn have(cmd: &str) -> bool {
    let flag = if cmd == "mosquitto" { "-h" } else { "--help" };
    Command::new(cmd)
        .arg(flag)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A running mosquitto; killed, and its directory removed, on drop.
#[derive(Debug)]
pub struct Mosquitto {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Mosquitto {
    /// Starts a broker, or returns `None` (after saying so on stderr) when mosquitto or one of
    /// `also` (e.g. `mosquitto_sub`) is not installed and `M2M_REQUIRE_MOSQUITTO` is not set.
    ///
    /// # Panics
    /// When a tool is missing and `M2M_REQUIRE_MOSQUITTO` is set, or the broker does not listen
    /// within 10 s.
    #[must_use]
    pub fn start(also: &[&str]) -> Option<Self> {
        if let Some(missing) = ["mosquitto"].iter().chain(also).find(|c| !have(c)) {
            assert!(
                std::env::var_os("M2M_REQUIRE_MOSQUITTO").is_none(),
                "{missing} is required (M2M_REQUIRE_MOSQUITTO is set)"
            );
            eprintln!("skipped: {missing} not installed");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("m2m-mosquitto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
                 log_dest stderr\nlog_type error\n"
            ),
        )
        .unwrap();
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        let broker = Mosquitto { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto does not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(broker)
    }

    /// Its port on 127.0.0.1.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// A directory for the test's files, removed with the broker.
    #[must_use]
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
