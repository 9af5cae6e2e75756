//! `vigie ingest … --queue nats://…`: publishes the inputs to the work queue for
//! `vigie worker` processes, instead of analysing them in this process.

use std::collections::HashMap;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use vigie_ingest::fetch::Validators;
use vigie_queue::{Queue, QueueConfig};

use crate::ingest::poll_feeds;
use crate::inputs::InputArgs;

/// Publishes every input item to the queue `name` at `url`; with `poll`, keeps polling
/// the feed URLs among the inputs (their validators are kept in memory for the run).
pub fn run(
    inputs: &InputArgs,
    url: &str,
    name: &str,
    poll: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let queue = runtime.block_on(Queue::connect(url, QueueConfig::named(name)))?;
    let fetcher = inputs.fetcher();
    let urls = inputs.urls();
    let mut validators: HashMap<String, Validators> = HashMap::new();
    let mut files = Some(inputs.file_items()?);
    loop {
        let started = Instant::now();
        let (feed_items, polled) = poll_feeds(
            |url| Ok(validators.get(url).cloned().unwrap_or_default()),
            &fetcher,
            &urls,
        )?;
        let feeds_failed = polled.len() < urls.len();
        let items = inputs
            .with_defaults(feed_items.into_iter())
            .chain(files.take().into_iter().flatten());
        let published = runtime.block_on(async {
            let mut publisher = queue.publisher();
            for item in items {
                publisher.send(item).await?;
            }
            anyhow::Ok(publisher.finish().await)
        })?;
        validators.extend(polled);
        let seconds = started.elapsed().as_secs_f64().max(1e-9);
        eprintln!(
            "{url}: {published} item(s) published to queue {name} ({:.0} items/s)",
            published as f64 / seconds
        );
        match poll {
            Some(seconds) if !urls.is_empty() => thread::sleep(Duration::from_secs(seconds)),
            _ if feeds_failed => return Ok(ExitCode::from(1)),
            _ => return Ok(ExitCode::SUCCESS),
        }
    }
}
