//! Progress bars on stderr for long audits and exports. Hidden when stderr is not a
//! terminal (scripts, CI, pipes) or when the user asked for quiet, so that nothing but
//! the verdict reaches a log.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar, or nothing.
#[derive(Debug)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar counting `total` heights.
    pub fn heights(total: u64, label: &str, quiet: bool) -> Self {
        Self::new(total, label, "{msg} [{bar:40}] height {pos}/{len} ({per_sec}, eta {eta})", quiet)
    }

    /// A bar counting `total` bytes of a file.
    pub fn bytes(total: u64, label: &str, quiet: bool) -> Self {
        Self::new(total, label, "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})", quiet)
    }

    fn new(total: u64, label: &str, template: &str, quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new(total);
        let style = ProgressStyle::with_template(template)
            .expect("the templates above are valid")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(label.to_string());
        Self(Some(bar))
    }

    /// Sets the position.
    pub fn set(&self, position: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(position);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
