//! A saved search's alerts as an Atom feed (RFC 4287), so that any feed reader can
//! follow it: one entry per matching event, newest first, linking to the event in the
//! dashboard.

use vigie_store::{Alert, Watch};

/// Escapes text for XML character data and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow (control characters but tab and newlines).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 3339 time of seconds since the Unix epoch.
fn timestamp(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One line saying what happened: `ASSAULT: actor → recipient, place (date)`.
pub fn headline(alert: &Alert) -> String {
    let event = &alert.event;
    let mut line = format!(
        "{}: {} → {}",
        event.event_type,
        event.actor.as_deref().unwrap_or("—"),
        event.recipient.as_deref().unwrap_or("—")
    );
    if let Some(place) = &event.place {
        line.push_str(&format!(", {place}"));
    }
    if let Some(date) = &event.date {
        line.push_str(&format!(" ({date})"));
    }
    line
}

/// The feed of `watch` with its newest `alerts`; `base` is the dashboard's address
/// (`http://host:port/`), which entry links and ids are built on.
pub fn atom(watch: &Watch, alerts: &[Alert], base: &str) -> String {
    let updated = alerts
        .iter()
        .map(|a| a.created_at)
        .max()
        .unwrap_or(watch.created_at);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>Vigie: {name}</title>\n\
         <subtitle>Events matching {filter}</subtitle>\n\
         <id>{base}api/watches/{id}/feed.atom</id>\n\
         <link rel=\"self\" href=\"{base}api/watches/{id}/feed.atom\"/>\n\
         <link href=\"{base}#/watches\"/>\n\
         <updated>{updated}</updated>\n\
         <author><name>Vigie</name></author>\n",
        name = escape(&watch.name),
        filter = escape(&watch.filter),
        base = escape(base),
        id = watch.id,
        updated = timestamp(updated),
    );
    for alert in alerts {
        let event = &alert.event;
        let link = format!("{base}#/event/{}", event.id);
        let summary = format!(
            "{} — {} ({} source{}: {})",
            event.evidence,
            event.modality,
            event.source_count,
            if event.source_count == 1 { "" } else { "s" },
            event.sources.join(", ")
        );
        xml.push_str(&format!(
            "<entry>\n<title>{title}</title>\n<id>{base}api/watches/{watch}/alerts/{alert}</id>\n\
             <link href=\"{link}\"/>\n<updated>{updated}</updated>\n\
             <category term=\"{category}\"/>\n<summary>{summary}</summary>\n</entry>\n",
            title = escape(&headline(alert)),
            base = escape(base),
            watch = watch.id,
            alert = alert.id,
            link = escape(&link),
            updated = timestamp(alert.created_at),
            category = escape(&event.event_type),
            summary = escape(&summary),
        ));
    }
    xml.push_str("</feed>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            escape("<a href=\"x\">R&D's</a>\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&apos;s&lt;/a&gt;\n"
        );
    }
}
