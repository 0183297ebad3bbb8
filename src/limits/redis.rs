//! The shared limiter: counters in Redis, each step one Lua script run atomically on
//! Redis's own clock (`TIME`), so instances with drifting clocks still agree. The script
//! is the arithmetic of `gcra`, written once more in Lua.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Counter, LimitError, Limiter, Verdict};

/// `KEYS`: the counters. `ARGV`: the mode (`check` or `charge`), then each counter's
/// interval (ms) and count. `check` returns how long until one more failure fits on every
/// counter (0: now); `charge` moves every counter one interval on.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local count = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  if ARGV[1] == 'check' then
    local ahead = tat - now - interval * (count - 1)
    if ahead > wait then wait = ahead end
  else
    local charged = tat + interval
    redis.call('SET', key, charged, 'PX', charged - now)
  end
end
return wait
";

pub struct RedisLimiter {
    conn: ConnectionManager,
    prefix: String,
    script: redis::Script,
}

impl RedisLimiter {
    /// Connects lazily, like the revocation list, and shares its key namespace.
    pub fn connect(
        url: &str,
        prefix: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, LimitError> {
        let failed = |e: redis::RedisError| LimitError(e.to_string());
        let client =
            crate::redis_client::open(url, ca_file).map_err(|e| LimitError(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(failed)?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            script: redis::Script::new(SCRIPT),
        })
    }

    async fn run(&self, mode: &str, counters: &[Counter]) -> Result<u64, LimitError> {
        let mut invocation = self.script.prepare_invoke();
        invocation.arg(mode);
        for c in counters {
            invocation
                .key(format!("{}limit:{}", self.prefix, c.name))
                .arg(c.limit.interval_ms())
                .arg(c.limit.count);
        }
        let mut conn = self.conn.clone();
        invocation
            .invoke_async::<u64>(&mut conn)
            .await
            .map_err(|e| LimitError(e.to_string()))
    }
}

#[async_trait]
impl Limiter for RedisLimiter {
    async fn check(&self, counters: &[Counter]) -> Result<Verdict, LimitError> {
        let wait = self.run("check", counters).await?;
        Ok(if wait == 0 {
            Verdict::Allowed
        } else {
            Verdict::Limited(Duration::from_millis(wait))
        })
    }

    async fn charge(&self, counters: &[Counter]) -> Result<(), LimitError> {
        self.run("charge", counters).await.map(drop)
    }
}
