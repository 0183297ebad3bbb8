//! `sigil audit list`: the security events the store keeps.

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::json;

use super::{open_store, print};
use crate::clock::{Clock as _, SystemClock, UnixTime};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct AuditList {
    /// Events from this time on: Unix seconds, an RFC 3339 time (2026-11-26T07:00:00Z),
    /// or a span back from now (30m, 24h, 7d). Default: the last 24 hours.
    #[arg(long)]
    pub since: Option<String>,
    /// Only events of this type: an action (`login`, `token.revoke`) or the prefix of
    /// dotted ones (`keys`, `consent`, `clients`).
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// At most this many events, oldest first.
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
    #[arg(long)]
    pub json: bool,
}

/// Reads `--since`.
fn since(raw: Option<&str>, now: UnixTime) -> anyhow::Result<UnixTime> {
    let Some(raw) = raw else {
        return Ok(now - 86_400);
    };
    if let Ok(t) = raw.parse::<UnixTime>() {
        return Ok(t);
    }
    if let Ok(span) = humantime::parse_duration(raw) {
        let back = i64::try_from(span.as_secs()).context("--since: too far back")?;
        return Ok(now.saturating_sub(back));
    }
    if let Ok(at) = humantime::parse_rfc3339(raw) {
        let secs = at
            .duration_since(std::time::UNIX_EPOCH)
            .context("--since: before 1970")?
            .as_secs();
        return i64::try_from(secs).context("--since: too far ahead");
    }
    bail!("--since {raw}: not Unix seconds, an RFC 3339 time or a span such as 24h")
}

pub async fn list(config: Config, args: AuditList) -> anyhow::Result<()> {
    if !(1..=100_000).contains(&args.limit) {
        bail!("--limit must be 1 to 100000");
    }
    let since = since(args.since.as_deref(), SystemClock.now())?;
    let store = open_store(&config).await?;
    let events = store
        .audit_events(since, args.kind.as_deref(), args.limit)
        .await?;
    let list: Vec<_> = events
        .iter()
        .map(|e| {
            json!({
                "at": e.at, "actor": e.actor, "action": e.action,
                "subject": e.subject, "client": e.client, "address": e.address,
                "outcome": e.outcome,
            })
        })
        .collect();
    let human = events
        .iter()
        .map(|e| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.at,
                e.actor,
                e.action,
                e.subject.as_deref().unwrap_or("-"),
                e.client.as_deref().unwrap_or("-"),
                e.address.as_deref().unwrap_or("-"),
                e.outcome
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    print(args.json, json!(list), human);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_seconds_times_and_spans() {
        let now = 1_800_000_000;
        assert_eq!(since(None, now).unwrap(), now - 86_400);
        assert_eq!(since(Some("12345"), now).unwrap(), 12_345);
        assert_eq!(since(Some("2h"), now).unwrap(), now - 7_200);
        assert_eq!(since(Some("7d"), now).unwrap(), now - 7 * 86_400);
        assert_eq!(
            since(Some("2026-11-26T07:00:00Z"), now).unwrap(),
            1_795_676_400
        );
        for bad in ["yesterday", "", "-", "2026-13-01T00:00:00Z"] {
            assert!(since(Some(bad), now).is_err(), "{bad}");
        }
    }
}
