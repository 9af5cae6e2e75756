//! Posting saved searches' alerts to their webhooks, beside an ingest or a worker.
//!
//! The store records alerts in the transaction that stores the matching events (see
//! `vigie_store::watch`); a [`Notifier`] thread with its own store connection is woken
//! after each written batch and posts every alert that is due: never-tried ones, and
//! failed ones whose back-off has passed. Each delivery is claimed in the store before it
//! is sent and marked delivered once the receiver answers 2xx, so processes delivering at
//! once never send an alert twice, and a killed process leaves at most the one delivery
//! in flight unconfirmed (sent again, with the same `Idempotency-Key`, after its lease).

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use clap::Args;
use serde_json::json;
use vigie_ingest::fetch::Fetcher;
use vigie_store::{Delivery, Location, Store};

/// How webhooks are reached.
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// Post alerts to webhooks on private, loopback and link-local addresses too; by
    /// default only public addresses are contacted.
    #[arg(long)]
    pub allow_private_webhooks: bool,
}

/// Time limit of one webhook request.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a notifier looks for deliveries whose back-off has passed, when nothing
/// wakes it.
const RECHECK: Duration = Duration::from_secs(30);

/// Deliveries claimed at a time: one, so that a process killed while it posts holds
/// back one alert at most until its lease ends.
const CLAIM: usize = 1;

/// Seconds to wait before attempt `attempts + 1` of a failed delivery: 30 s, doubling,
/// at most an hour.
fn back_off(attempts: i64) -> i64 {
    (30i64 << attempts.clamp(0, 7)).min(3600)
}

/// The JSON body posted for an alert.
pub fn payload(delivery: &Delivery) -> serde_json::Value {
    json!({
        "vigie": "alert/1",
        "alert_id": delivery.alert.id,
        "watch": { "id": delivery.alert.watch_id, "name": delivery.watch_name },
        "alerted_at": delivery.alert.created_at,
        "event": delivery.alert.event,
    })
}

/// Posts every alert due now; returns how many were delivered and how many failed.
pub fn deliver_due(store: &mut Store, client: &Fetcher) -> anyhow::Result<(usize, usize)> {
    let (mut delivered, mut failed) = (0, 0);
    // A webhook that failed is not tried again in this round: its other alerts wait for
    // their next turn rather than each waiting for a timeout.
    let mut failing: Vec<String> = Vec::new();
    loop {
        let claimed = store.claim_deliveries(CLAIM)?;
        if claimed.is_empty() {
            return Ok((delivered, failed));
        }
        for delivery in &claimed {
            let outcome = if failing.contains(&delivery.webhook) {
                Err("an earlier alert to this webhook just failed".to_owned())
            } else {
                send(client, delivery)
            };
            match outcome {
                Ok(()) => {
                    delivered += 1;
                    store.record_delivery(delivery.alert.id, Ok(()))?;
                }
                Err(reason) => {
                    failed += 1;
                    if !failing.contains(&delivery.webhook) {
                        crate::terminal::report_error(&format!(
                            "alert {} of saved search {:?}: {reason}",
                            delivery.alert.id, delivery.watch_name
                        ));
                        failing.push(delivery.webhook.clone());
                    }
                    store.record_delivery(
                        delivery.alert.id,
                        Err((reason, back_off(delivery.attempts))),
                    )?;
                }
            }
        }
    }
}

fn send(client: &Fetcher, delivery: &Delivery) -> Result<(), String> {
    let body = payload(delivery).to_string();
    let headers = [
        (
            "Idempotency-Key",
            format!("vigie-alert-{}", delivery.alert.id),
        ),
        ("X-Vigie-Watch", delivery.alert.watch_id.to_string()),
    ];
    match client.post_json(&delivery.webhook, &body, &headers) {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status) => Err(format!("{} answered HTTP {status}", delivery.webhook)),
        Err(error) => Err(error.to_string()),
    }
}

/// The webhook client: a time limit per request, no redirect, public addresses only
/// unless `allow_private`.
pub fn webhook_client(allow_private: bool) -> Fetcher {
    Fetcher::with_address_policy(WEBHOOK_TIMEOUT, Duration::ZERO, allow_private)
}

/// A thread that posts alerts to webhooks while batches are written.
pub struct Notifier {
    wake: SyncSender<Wake>,
    thread: JoinHandle<()>,
}

enum Wake {
    /// A batch was written.
    Written,
    /// Deliver what is due, then stop.
    Finish,
}

impl Notifier {
    /// Starts a notifier with its own connection to the store at `db`.
    pub fn start(db: &Location, args: &WebhookArgs) -> anyhow::Result<Self> {
        let store = Store::connect(db)?;
        let client = webhook_client(args.allow_private_webhooks);
        // One wake-up pending is enough: it delivers everything due.
        let (wake, woken) = sync_channel(1);
        let thread = thread::Builder::new()
            .name("alerts".into())
            .spawn(move || notify(store, &client, &woken))?;
        Ok(Notifier { wake, thread })
    }

    /// Tells the notifier a batch was written (it may hold new alerts).
    pub fn written(&self) {
        let _ = self.wake.try_send(Wake::Written);
    }

    /// Delivers what is due now, then stops (later retries wait for the next run or
    /// `vigie watch deliver`).
    pub fn finish(self) {
        let _ = self.wake.send(Wake::Finish);
        let _ = self.thread.join();
    }
}

fn notify(mut store: Store, client: &Fetcher, woken: &Receiver<Wake>) {
    loop {
        let finish = match woken.recv_timeout(RECHECK) {
            Ok(Wake::Written) | Err(RecvTimeoutError::Timeout) => false,
            Ok(Wake::Finish) | Err(RecvTimeoutError::Disconnected) => true,
        };
        if let Err(error) = deliver_due(&mut store, client) {
            crate::terminal::report_error(&format!("alerts: {error:#}"));
        }
        if finish {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::back_off;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        assert_eq!(back_off(0), 30);
        assert_eq!(back_off(1), 60);
        assert_eq!(back_off(4), 480);
        assert_eq!(back_off(7), 3600);
        assert_eq!(back_off(40), 3600);
    }
}
