//! Stopping the server on SIGTERM (what systemd, `docker stop` and `kill`
//! send) or Ctrl-C: the first signal stops accepting connections, lets the
//! requests in flight finish and tells the background jobs to stop at their
//! next safe point; a second signal stops the process at once.

use tokio::sync::watch;

/// The signals that stop the server, listened for from the start: a signal
/// that arrived while nothing listened would be lost, and once listened
/// for, a signal no longer kills the process by itself.
pub struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn listen() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals { terminate: signal(SignalKind::terminate())?, interrupt: signal(SignalKind::interrupt())? })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next stopping signal, by name.
    pub async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "Ctrl-C",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// Told to the background jobs (outbox sender, refresher, backups): each
/// looks at it only between units of work, so none is cut off halfway.
#[derive(Clone, Debug)]
pub struct Stop(watch::Receiver<bool>);

/// Turns a [`Stop`] on.
#[derive(Debug)]
pub struct StopSwitch(watch::Sender<bool>);

pub fn switch() -> (StopSwitch, Stop) {
    let (sender, receiver) = watch::channel(false);
    (StopSwitch(sender), Stop(receiver))
}

impl StopSwitch {
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl Stop {
    /// A stop that never comes: for jobs run by tests until aborted.
    pub fn never() -> Stop {
        let (switch, stop) = switch();
        // Kept alive for the process: a dropped switch would read as stopped.
        std::mem::forget(switch);
        stop
    }

    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Returns once a stop is requested.
    pub async fn requested(&mut self) {
        // An error means the switch is gone: nobody can ask any more.
        if self.0.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Sleeps for `duration` unless a stop comes first; true if it came.
    pub async fn sleep(&mut self, duration: std::time::Duration) -> bool {
        tokio::select! {
            _ = self.requested() => true,
            _ = tokio::time::sleep(duration) => false,
        }
    }
}
