//! A reader that stops early (`starledger rulebook default | head`) ends the
//! command quietly, with the status a shell gives a SIGPIPE death, and no
//! panic on stderr.

use std::process::{Command, Stdio};

#[test]
fn a_closed_pipe_stops_the_command_quietly() {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("starledger"))
        .args(["rulebook", "default"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the command prints: its 12 KB would fit
    // in a pipe's buffer, so only a pipe already closed makes printing fail.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
