//! `vigie ingest`: runs the pipeline over inputs in parallel and stores the results.
//!
//! One reader thread streams the input items and drops those the store has already
//! processed; worker threads analyse; the main thread writes batches, each in one
//! transaction with the origins it covers. Killing the process loses at most the batch
//! in flight, which the next run redoes.

use std::collections::BTreeMap;

use std::process::ExitCode;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vigie_ingest::fetch::{Fetcher, Validators, read_feed_url};
use vigie_ingest::{Extractor, InputItem, RawArticle};
use vigie_pipeline::Pipeline;
use vigie_store::{Location, Outcome, Store, WriteSummary};

use crate::alerts::{Notifier, WebhookArgs};
use crate::inputs::InputArgs;

/// Arguments of `vigie ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// The store to write (created if missing): a SQLite file, or a PostgreSQL database
    /// URL (`postgres://user@host:5432/database`).
    #[arg(long, default_value = "vigie.db")]
    db: Location,
    /// Worker threads (default: one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Documents per transaction.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Retry the inputs recorded as failed (a file that was missing, a server that was
    /// down); without it they are skipped like every processed input.
    #[arg(long)]
    retry_failed: bool,
    /// Keep polling the feed URLs among the inputs every this many seconds (conditional
    /// requests: unchanged feeds cost one 304).
    #[arg(long, value_name = "SECONDS")]
    poll: Option<u64>,
    /// Publish the inputs to this NATS JetStream server (`nats://host:4222`) for
    /// `vigie worker` processes to analyse, instead of analysing them here (`--db` is
    /// then the workers' business).
    #[arg(long, value_name = "URL")]
    queue: Option<String>,
    /// The queue's stream on the NATS server.
    #[arg(long, default_value = "VIGIE")]
    queue_name: String,
    /// How saved searches' webhooks are reached.
    #[command(flatten)]
    webhooks: WebhookArgs,
}

/// A partial batch is written when nothing more arrived for this long.
const FLUSH_AFTER: Duration = Duration::from_millis(500);

/// Runs `vigie ingest`.
pub fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    if let Some(url) = &args.queue {
        return crate::publish::run(&args.inputs, url, &args.queue_name, args.poll);
    }
    let pipeline = args.inputs.analysis.pipeline()?;
    let mut store = Store::connect(&args.db)?;
    let settings = Settings {
        jobs: args
            .jobs
            .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get())),
        batch: args.batch,
        progress: !args.quiet,
        retry_failed: args.retry_failed,
    };
    let fetcher = args.inputs.fetcher();
    let urls = args.inputs.urls();
    // Alerts of saved searches go to their webhooks while batches are written.
    let notifier = Notifier::start(&args.db, &args.webhooks)?;
    let mut files = Some(args.inputs.file_items()?);
    loop {
        let (feed_items, polled) = poll_feeds(
            |url| {
                let (etag, last_modified) = store.feed_validators(url)?;
                Ok(Validators {
                    etag,
                    last_modified,
                })
            },
            &fetcher,
            &urls,
        )?;
        let feeds_failed = polled.len() < urls.len();
        let items = args
            .inputs
            .with_defaults(feed_items.into_iter())
            .chain(files.take().into_iter().flatten());
        let report = ingest_into(&mut store, items, pipeline, settings, Some(&notifier))?;
        for (url, validators) in polled {
            store.set_feed_validators(
                &url,
                validators.etag.as_deref(),
                validators.last_modified.as_deref(),
            )?;
        }
        print_report(&store, &args.db, &report)?;
        match args.poll {
            Some(seconds) if !urls.is_empty() => thread::sleep(Duration::from_secs(seconds)),
            _ => {
                notifier.finish();
                // As `analyze` does: a run where an input failed exits with 1.
                let failed = report.written.failed > 0 || feeds_failed;
                return Ok(if failed {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                });
            }
        }
    }
}

/// A feed URL and the validators of its latest response.
pub type PolledFeed = (String, Validators);

/// Fetches every feed that changed since the last poll (`previous` gives the validators
/// of a URL's last response): its items, and its new validators (saved once the items
/// are stored). A feed that cannot be fetched is reported and polled again next time.
pub fn poll_feeds(
    previous: impl Fn(&str) -> anyhow::Result<Validators>,
    fetcher: &Fetcher,
    urls: &[String],
) -> anyhow::Result<(Vec<InputItem>, Vec<PolledFeed>)> {
    let mut items = Vec::new();
    let mut polled = Vec::new();
    for url in urls {
        let previous = previous(url)?;
        match read_feed_url(fetcher, url, &previous) {
            Ok((new, validators)) => {
                items.extend(new);
                polled.push((url.clone(), validators));
            }
            Err(error) => crate::terminal::report_error(&error),
        }
    }
    Ok((items, polled))
}

fn print_report(store: &Store, db: &Location, report: &IngestReport) -> anyhow::Result<()> {
    let counts = store.counts()?;
    let written = report.written;
    eprintln!(
        "{}: {} stored, {} duplicates, {} failed, {} already processed; {:.0} documents/s; \
         store now holds {} documents, {} events from {} reports",
        db,
        written.stored,
        written.duplicates,
        written.failed,
        report.skipped,
        report.documents_per_second(),
        counts.documents,
        counts.events,
        counts.reports
    );
    if written.failed > 0 {
        eprintln!(
            "{} input(s) failed this run; their errors are in the store. Once fixed, \
             `vigie ingest … --retry-failed` analyses them again.",
            written.failed
        );
    }
    Ok(())
}

/// How an ingest runs.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Worker threads.
    pub jobs: usize,
    /// Outcomes per transaction.
    pub batch: usize,
    /// Show a progress bar.
    pub progress: bool,
    /// Analyse again the inputs recorded as failed.
    pub retry_failed: bool,
}

/// What an ingest did.
#[derive(Debug, Clone, Copy)]
pub struct IngestReport {
    /// What was written.
    pub written: WriteSummary,
    /// Items skipped because the store had already processed them.
    pub skipped: usize,
    /// Wall-clock time.
    pub elapsed: Duration,
}

impl IngestReport {
    /// Items processed (stored, duplicate or failed) per second.
    pub fn documents_per_second(&self) -> f64 {
        let processed = self.written.stored + self.written.duplicates + self.written.failed;
        processed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Analyses `items` on `settings.jobs` threads and writes them into `store`, skipping
/// what it already holds; `notifier` hears of each batch written.
///
/// Outcomes are written in the order of the items, whichever worker finishes first: the
/// store then merges reports into events the same way on every run of one corpus, with any
/// number of workers. The reader stays at most [`MAX_AHEAD`] items ahead of the writer, so
/// one slow article holds back a bounded number of finished ones.
pub fn ingest_into(
    store: &mut Store,
    items: impl Iterator<Item = InputItem> + Send + 'static,
    pipeline: Pipeline<'static>,
    settings: Settings,
    notifier: Option<&Notifier>,
) -> anyhow::Result<IngestReport> {
    let started = Instant::now();
    let processed = store.processed_origins(settings.retry_failed)?;
    let jobs = settings.jobs.max(1);
    let (work_tx, work_rx) = sync_channel::<(usize, InputItem)>(jobs * 8);
    let (done_tx, done_rx) = sync_channel::<(usize, Outcome)>(jobs * 8);
    let written_up_to = Arc::new(Progress::default());
    let reader = {
        let written_up_to = Arc::clone(&written_up_to);
        thread::spawn(move || {
            let mut skipped = 0usize;
            let mut sequence = 0usize;
            for item in items {
                if processed.contains(&item.origin) {
                    skipped += 1;
                    continue;
                }
                written_up_to.wait_until_within(sequence, MAX_AHEAD);
                if work_tx.send((sequence, item)).is_err() {
                    break;
                }
                sequence += 1;
            }
            skipped
        })
    };
    let work_rx = Arc::new(Mutex::new(work_rx));
    let workers: Vec<_> = (0..jobs)
        .map(|_| {
            let (work_rx, done_tx) = (Arc::clone(&work_rx), done_tx.clone());
            thread::spawn(move || analyse_items(&work_rx, &done_tx, pipeline))
        })
        .collect();
    drop(done_tx);

    let progress = if settings.progress {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{spinner} {pos} documents · {per_sec} · {elapsed} {msg}")
            .expect("valid template"),
    );
    progress.enable_steady_tick(Duration::from_millis(200));
    let mut written = WriteSummary::default();
    let mut batch: Vec<Outcome> = Vec::with_capacity(settings.batch);
    // Finished outcomes waiting for those before them, by sequence number.
    let mut waiting: BTreeMap<usize, Outcome> = BTreeMap::new();
    let mut next = 0usize;
    loop {
        let (flush, finished) = match done_rx.recv_timeout(FLUSH_AFTER) {
            Ok((sequence, outcome)) => {
                if let Outcome::Failed { error, .. } = &outcome {
                    progress.suspend(|| crate::terminal::report_error(&error));
                }
                waiting.insert(sequence, outcome);
                while let Some(outcome) = waiting.remove(&next) {
                    batch.push(outcome);
                    next += 1;
                }
                (batch.len() >= settings.batch.max(1), false)
            }
            Err(RecvTimeoutError::Timeout) => (true, false),
            Err(RecvTimeoutError::Disconnected) => (true, true),
        };
        if flush && !batch.is_empty() {
            written = add(written, store.write(&batch)?);
            if let Some(notifier) = notifier {
                notifier.written();
            }
            progress.inc(batch.len() as u64);
            batch.clear();
            written_up_to.advance_to(next);
        }
        if finished {
            break;
        }
    }
    // Unblocks the reader if the workers stopped early.
    written_up_to.advance_to(usize::MAX);
    for worker in workers {
        worker.join().expect("worker thread panicked");
    }
    let skipped = reader.join().expect("reader thread panicked") + written.skipped;
    progress.finish_and_clear();
    Ok(IngestReport {
        written,
        skipped,
        elapsed: started.elapsed(),
    })
}

/// Most items the reader hands out beyond the last one written.
const MAX_AHEAD: usize = 1024;

/// How far the writer has got, for the reader to wait on.
#[derive(Default)]
struct Progress {
    written: Mutex<usize>,
    changed: Condvar,
}

impl Progress {
    /// Blocks until item `sequence` is within `ahead` items of the last one written.
    fn wait_until_within(&self, sequence: usize, ahead: usize) {
        let mut written = self.written.lock().expect("progress lock");
        while sequence >= written.saturating_add(ahead) {
            written = self.changed.wait(written).expect("progress lock");
        }
    }

    /// Records that every item before `next` is written.
    fn advance_to(&self, next: usize) {
        *self.written.lock().expect("progress lock") = next;
        self.changed.notify_all();
    }
}

/// The sum of two write summaries.
pub fn add(a: WriteSummary, b: WriteSummary) -> WriteSummary {
    WriteSummary {
        stored: a.stored + b.stored,
        duplicates: a.duplicates + b.duplicates,
        failed: a.failed + b.failed,
        skipped: a.skipped + b.skipped,
    }
}

/// A worker: analyses items until the reader is done.
fn analyse_items(
    work: &Mutex<Receiver<(usize, InputItem)>>,
    done: &SyncSender<(usize, Outcome)>,
    pipeline: Pipeline<'static>,
) {
    loop {
        let (sequence, item) = match work.lock().expect("work queue lock").recv() {
            Ok(item) => item,
            Err(_) => return,
        };
        let article = item.article.map_err(|error| error.to_string());
        let outcome = analyse_item(&pipeline, item.origin, article);
        if done.send((sequence, outcome)).is_err() {
            return;
        }
    }
}

/// What becomes of one input item: its analysed document, or the error that names it.
pub fn analyse_item(
    pipeline: &Pipeline,
    origin: String,
    article: Result<RawArticle, String>,
) -> Outcome {
    match article.and_then(|raw| {
        pipeline
            .analyse(raw, Extractor::default())
            .map_err(|error| error.to_string())
    }) {
        Ok(document) => Outcome::Analysed {
            origin,
            document: Box::new(document),
        },
        Err(error) => Outcome::Failed { origin, error },
    }
}
