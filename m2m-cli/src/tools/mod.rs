//! Field tools: a CoAP client, a Modbus master, a Sparkplug listener and an LwM2M server on the
//! family's runners.

pub(crate) mod coap;
pub(crate) mod lwm2m;
pub(crate) mod modbus;
pub(crate) mod sparkplug;

/// SIGINT (Ctrl-C) and SIGTERM, caught, so that a command that runs until stopped ends
/// cleanly at either: its summary printed, its connections closed, exit 0.
pub(crate) struct Stop {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Stop {
    /// Catches the signals from now on; within a Tokio runtime.
    pub(crate) fn catch() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stop {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Stop {})
    }

    /// Completes when one of the signals comes.
    pub(crate) async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Catches the signals from now on, and sets `stopped` when one comes (for a command that
    /// runs without Tokio: a thread of its own waits for them). A second signal ends the
    /// process at once (exit 130), for a command held in a wait it cannot leave early.
    pub(crate) fn flag(
        stopped: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> std::io::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut stop = {
            let _in = rt.enter();
            Stop::catch()?
        };
        std::thread::spawn(move || {
            rt.block_on(stop.wait());
            stopped.store(true, std::sync::atomic::Ordering::Relaxed);
            rt.block_on(stop.wait());
            std::process::exit(130);
        });
        Ok(())
    }
}
