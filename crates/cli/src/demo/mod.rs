//! The demo community (placeholder while being written).
use crate::args::DemoArgs;
use crate::commands::Context;
use crate::failure::Outcome;
pub async fn run(_context: &Context, _args: DemoArgs) -> Outcome {
    Ok(())
}
