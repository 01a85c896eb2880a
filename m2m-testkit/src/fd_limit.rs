//! A test that runs again in a child process with few file descriptors (`ulimit -n`), to show
//! what a server does when they run out.

/// Whether this process is the child [`run_under_fd_limit`] started (`env` set).
#[must_use]
pub fn is_child(env: &str) -> bool {
    std::env::var_os(env).is_some()
}

/// Runs the test `name` of the current test binary again in a child process, with `env` set
/// and at most `limit` file descriptors, and asserts that it passed.
pub fn run_under_fd_limit(name: &str, env: &str, limit: u32) {
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {limit} && exec \"$0\" --exact \"$1\" --nocapture --test-threads=1"
        ))
        .arg(&exe)
        .arg(name)
        .env(env, "1")
        .output()
        .expect("sh runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Opens `/dev/null` until no file descriptor is left, then gives `spare` back: what the
/// caller holds until it lets the server have descriptors again.
#[must_use]
pub fn take_all_but(spare: usize) -> Vec<std::fs::File> {
    let mut held = Vec::new();
    while let Ok(f) = std::fs::File::open("/dev/null") {
        held.push(f);
    }
    assert!(held.len() > 10, "{} descriptors", held.len());
    held.truncate(held.len().saturating_sub(spare));
    held
}
