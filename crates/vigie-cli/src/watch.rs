//! `vigie watch`: saved searches that alert. A saved search is a named `/api/events`
//! filter; `ingest` and `worker` record an alert for each new event that matches it and
//! post it to the search's webhook, if it has one.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use vigie_store::{Location, Store};

use crate::alerts::{WebhookArgs, deliver_due, webhook_client};

/// The store a `vigie watch` command works on.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The store: a SQLite file, or a PostgreSQL database URL.
    #[arg(long, default_value = "vigie.db")]
    db: Location,
}

/// `vigie watch` subcommands.
#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Save a search: events matching FILTER (an `/api/events` query string such as
    /// `type=ASSAULT&country=IQ`) reported from now on are alerted.
    Add {
        /// Its name.
        name: String,
        /// The filter, as `/api/events` takes it: type, mode, modality, actor, country,
        /// admin1, place, near + km, from, to, q, source, min_sources, attribution.
        #[arg(long)]
        filter: String,
        /// Post each alert (JSON) to this URL.
        #[arg(long)]
        webhook: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List the saved searches with their alert counts.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Delete a saved search and its alerts.
    Remove {
        /// Its id or name.
        watch: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// A saved search's newest alerts, as JSON lines.
    Alerts {
        /// Its id or name.
        watch: String,
        /// Most alerts shown.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Post the alerts whose webhook delivery is due (failed ones retried once their
    /// back-off has passed).
    Deliver {
        #[command(flatten)]
        webhooks: WebhookArgs,
        #[command(flatten)]
        store: StoreArg,
    },
}

/// Runs `vigie watch`.
pub fn run(command: WatchCommand) -> anyhow::Result<ExitCode> {
    match command {
        WatchCommand::Add {
            name,
            filter,
            webhook,
            store,
        } => {
            let watch = Store::connect(&store.db)?.add_watch(&name, &filter, webhook.as_deref())?;
            println!(
                "saved search {} {:?}: {}{}",
                watch.id,
                watch.name,
                watch.filter,
                watch
                    .webhook
                    .map_or_else(String::new, |url| format!(" → {url}"))
            );
        }
        WatchCommand::List { json, store } => {
            let watches = Store::connect_read_only(&store.db)?.watches()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&watches)?);
            } else {
                for watch in watches {
                    println!(
                        "{}\t{}\t{}\t{} alerts{}",
                        watch.id,
                        watch.name,
                        watch.filter,
                        watch.alerts,
                        watch
                            .webhook
                            .map_or_else(String::new, |url| format!("\t→ {url}"))
                    );
                }
            }
        }
        WatchCommand::Remove { watch, store } => {
            if !Store::connect(&store.db)?.remove_watch(&watch)? {
                anyhow::bail!("no saved search {watch:?} in {}", store.db);
            }
        }
        WatchCommand::Alerts {
            watch,
            limit,
            store,
        } => {
            let db = Store::connect_read_only(&store.db)?;
            let found = db
                .watch(&watch)?
                .ok_or_else(|| anyhow::anyhow!("no saved search {watch:?} in {}", store.db))?;
            for alert in db.alerts(found.id, limit)? {
                println!("{}", serde_json::to_string(&alert)?);
            }
        }
        WatchCommand::Deliver { webhooks, store } => {
            let client = webhook_client(webhooks.allow_private_webhooks);
            let (delivered, failed) = deliver_due(&mut Store::connect(&store.db)?, &client)?;
            eprintln!("{delivered} alerts delivered, {failed} failed");
            if failed > 0 {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
